import type { ShellResult } from '../ports.js';

/**
 * What the `terraform` stage kind needs from the machine it runs on: the terraform (or tofu)
 * binary, the working directories under a root, and where saved plans are kept. The adapter in
 * src/adapters/terraform runs the binary through the shell runner (process group, timeout,
 * recorded while it runs); every value reaches it as an environment variable, never as shell text.
 */
export interface TerraformTool {
  /** The working directory `dir` (relative to the root) as an absolute path; throws ConfigError when it is missing. */
  workdir(dir: string): string;
  /** Where the plan of this stage is saved. */
  planPath(runId: string, stageId: string): string;
  /**
   * Runs `terraform <args>` in `cwd`. `env` carries TF_VAR_* and the like. An argument given as
   * `{ value }` (a path from the workflow) reaches the binary through an environment variable, so
   * the shell never parses it; plain strings are the kind's own constant words.
   */
  run(o: {
    cwd: string;
    args: ReadonlyArray<string | { value: string }>;
    env: Record<string, string>;
    timeoutMs: number;
    signal: AbortSignal;
    onLine(line: string): void;
    stage: { runId: string; stageId: string };
  }): Promise<ShellResult>;
  /** SHA-256 over the directory's *.tf / *.tfvars (by name and content) and the variables given. */
  inputsDigest(cwd: string, extraFiles: readonly string[], vars: Record<string, string>): Promise<string>;
  /** SHA-256 of a file, or null when it does not exist. */
  fileDigest(path: string): Promise<string | null>;
  /** Keeps the inputs digest beside the plan (on disk, never in Redis: it is derived from secrets). */
  writeSidecar(planPath: string, digest: string): Promise<void>;
  readSidecar(planPath: string): Promise<string | null>;
}
