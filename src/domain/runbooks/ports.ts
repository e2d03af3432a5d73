/**
 * Where runbook files come from, as evidence: the commit of their folder when it is a git
 * checkout, and who last changed a file. Implemented with git in src/adapters/git; absent in a
 * folder that is no checkout (both answer undefined).
 */
export interface RunbookHistory {
  commit(dir: string): Promise<string | undefined>;
  lastChange(file: string): Promise<{ author: string; at: string; commit: string } | undefined>;
}

export const NO_HISTORY: RunbookHistory = {
  commit: async () => undefined,
  lastChange: async () => undefined,
};
