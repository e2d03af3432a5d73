import { createHash } from 'node:crypto';
import type { Store } from '../../../core/ports/store.js';

/**
 * One lock per working directory and environment, as Atlantis holds one: taken by the plan and
 * kept until that plan is applied or its run ends (the run-finished subscription), so no other
 * run plans or applies the same state in between. The value is the holder's run id (JSON, so it
 * can be read back); the expiry only frees a lock whose release was lost.
 */
export const TF_LOCK_TTL_MS = 24 * 3_600_000;

export class TerraformLocks {
  constructor(private readonly store: Store) {}

  private key(dir: string, env: string): string {
    return this.store.key('pipelines', 'tf-lock', createHash('sha256').update(dir).digest('hex').slice(0, 20), env);
  }

  private runKey(runId: string): string {
    return this.store.key('pipelines', 'tf-locks-of', runId);
  }

  /** Takes (or renews, when this run holds it) the lock; returns the holder otherwise. */
  async acquire(dir: string, env: string, runId: string): Promise<{ ok: true } | { ok: false; holder: string }> {
    const key = this.key(dir, env);
    const owner = JSON.stringify(runId);
    if ((await this.store.claim(key, TF_LOCK_TTL_MS, owner)) || (await this.store.extend(key, TF_LOCK_TTL_MS, owner))) {
      await this.store.setAdd(this.runKey(runId), `${env}\n${dir}`);
      await this.store.expire(this.runKey(runId), TF_LOCK_TTL_MS);
      return { ok: true };
    }
    return { ok: false, holder: (await this.store.getJson<string>(key)) ?? 'another run' };
  }

  /** True while `runId` holds it. */
  holds(dir: string, env: string, runId: string): Promise<boolean> {
    return this.store.extend(this.key(dir, env), TF_LOCK_TTL_MS, JSON.stringify(runId));
  }

  async release(dir: string, env: string, runId: string): Promise<void> {
    await this.store.release(this.key(dir, env), JSON.stringify(runId));
    await this.store.setRemove(this.runKey(runId), `${env}\n${dir}`);
  }

  /** Every lock the run still holds (its end: applied, rejected, cancelled or failed). Idempotent. */
  async releaseRun(runId: string): Promise<void> {
    for (const m of await this.store.setMembers(this.runKey(runId))) {
      const [env, ...dir] = m.split('\n');
      await this.store.release(this.key(dir.join('\n'), env!), JSON.stringify(runId));
    }
    await this.store.del(this.runKey(runId));
  }
}
