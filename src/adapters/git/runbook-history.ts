import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import type { RunbookHistory } from '../../domain/runbooks/ports.js';

/** Runs git with fixed arguments (no shell); answers undefined when the folder is no checkout or git is missing. */
function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 5000 }, (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined));
  });
}

/** The evidence of where a runbook came from, read from the git checkout it lives in. */
export class GitRunbookHistory implements RunbookHistory {
  commit(dir: string): Promise<string | undefined> {
    return git(dir, ['rev-parse', 'HEAD']);
  }

  async lastChange(file: string): Promise<{ author: string; at: string; commit: string } | undefined> {
    const out = await git(dirname(file), ['log', '-1', '--format=%H%x09%an%x09%aI', '--', file]);
    if (!out) return undefined;
    const [commit, author, at] = out.split('\t');
    return commit && author && at ? { commit, author, at } : undefined;
  }
}
