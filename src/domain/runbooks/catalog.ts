import { NotFoundError } from '../../core/errors.js';
import type { RunbookHistory } from './ports.js';
import type { LoadedRunbook } from './schema.js';

/** The runbooks loaded at start-up, by name, with where each came from. */
export class RunbookCatalog {
  private runbooks = new Map<string, LoadedRunbook>();

  constructor(private readonly history: RunbookHistory) {}

  set(list: readonly LoadedRunbook[]): void {
    this.runbooks = new Map(list.map((r) => [r.def.name, r]));
  }

  all(): LoadedRunbook[] {
    return [...this.runbooks.values()].sort((a, b) => a.def.name.localeCompare(b.def.name));
  }

  require(name: string): LoadedRunbook {
    const rb = this.runbooks.get(name);
    if (!rb)
      throw new NotFoundError('runbook', name, [
        `Runbooks: ${
          this.all()
            .map((r) => r.def.name)
            .join(', ') || 'none'
        }.`,
      ]);
    return rb;
  }

  /** Who last changed the file (git), for `/runbook show`; undefined outside a checkout. */
  lastChange(name: string) {
    return this.history.lastChange(this.require(name).file);
  }

  commit(dir: string): Promise<string | undefined> {
    return this.history.commit(dir).catch(() => undefined);
  }
}
