import type { RunInfo } from '../contracts.js';
import type { TextSource } from './leaks.js';

/**
 * What inspectors need from outside: a way to run a configured command (scanner, inventory) and
 * read report files, and the captured logs of a run. src/adapters/scanner implements the first;
 * the wiring builds the second from whatever the pipelines module offers.
 */
export interface CommandRequest {
  /** Placeholders other than `{report}` are already filled in. */
  argv: string[];
  timeoutMs: number;
  cwd?: string;
  signal?: AbortSignal;
  /** A short name for errors and logs (`inspector trivy`, `inventory`). */
  label: string;
}

export interface CommandResult {
  /** The report file's content when argv named `{report}` and the command wrote it; stdout otherwise. */
  output: string;
  exitCode: number;
}

export interface CommandRunner {
  /**
   * Runs argv without a shell. Scanners exit non-zero when they find something, so a written
   * report counts whatever the exit code; no output at all is an UpstreamError naming the exit code.
   */
  run(req: CommandRequest): Promise<CommandResult>;
  /** Reads a report file named in stage settings, relative to the configured reports directory. */
  readReport(path: string): Promise<string>;
}

export interface RunLogSource {
  /** The run's captured stage logs (already masked of injected secrets), one source per stage; null when unavailable. */
  logs(run: RunInfo): Promise<TextSource[] | null>;
}
