import { AccessControl, type Actor } from '../../core/access.js';
import { ConflictError, ForbiddenError, InvalidStateError, NotFoundError } from '../../core/errors.js';
import { escapeUntrusted, mention } from '../../core/outbound.js';
import { ABORT, type Store } from '../../core/ports/store.js';
import type { DeployGuard } from '../contracts.js';

/**
 * Manual locks, as in Shipit: `/pipeline lock <service> <env> "reason"` stops every run to that
 * service and environment until it is unlocked. It is a deploy guard (not overridable), so it
 * refuses new runs and also stops a queued run when it is handed the deploy lock and a run under
 * way before its next stage (src/domain/pipelines/guards.ts). The one who locked it unlocks it;
 * an admin may break anyone's lock with a reason (the command's audit entry carries it).
 */
export interface ManualLock {
  service: string;
  env: string;
  by: string;
  at: number;
  reason: string;
}

export const MANUAL_LOCK_GUARD = 'manual-lock';

const when = (at: number): string => `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The refusal every blocked run shows: who, since when, why, and how it ends. */
export function lockedLine(l: ManualLock): string {
  return (
    `${l.service}/${l.env} is locked by ${mention(l.by)} since ${when(l.at)}: "${escapeUntrusted(l.reason)}". ` +
    `Nothing deploys there until \`/pipeline unlock ${l.service} ${l.env}\`.`
  );
}

/**
 * The guard is asked before every deploying stage, so it reads the small index of locked
 * service/envs (one SMEMBERS a second per process) and fetches a lock only where one is listed:
 * stages of unlocked services cost no Redis command. A lock taken in another process is seen
 * within INDEX_TTL_MS; one taken or released in this process at once.
 */
const INDEX_TTL_MS = 1000;

export class ManualLocks {
  private index: { readAt: number; members: Promise<Set<string>> } | null = null;

  constructor(
    private readonly store: Store,
    /** The services the pipeline files deploy, with their environments (known at call time). */
    private readonly known: () => Map<string, string[]>,
  ) {}

  private key(service: string, env: string): string {
    return this.store.key('pipelines', 'manual-lock', service, env);
  }

  private indexKey(): string {
    return this.store.key('pipelines', 'manual-locks');
  }

  private requireTarget(service: string, env: string): void {
    const services = this.known();
    const envs = services.get(service);
    if (!envs) throw new NotFoundError('service', service, [...services.keys()].sort());
    if (!envs.includes(env)) throw new NotFoundError(`environment of ${service}`, env, envs);
  }

  get(service: string, env: string): Promise<ManualLock | null> {
    return this.store.getJson<ManualLock>(this.key(service, env));
  }

  /** The lock on service/env, if any, through the index (see INDEX_TTL_MS): what the guard asks. */
  async holding(service: string, env: string): Promise<ManualLock | null> {
    const now = performance.now();
    if (!this.index || now - this.index.readAt > INDEX_TTL_MS) {
      const members = this.store.setMembers(this.indexKey()).then((m) => new Set(m));
      this.index = { readAt: now, members };
      members.catch(() => (this.index = null));
    }
    return (await this.index.members).has(`${service}/${env}`) ? this.get(service, env) : null;
  }

  /** Every lock in place, oldest first. */
  async list(): Promise<ManualLock[]> {
    const members = await this.store.setMembers(this.indexKey());
    const docs = await this.store.getManyJson<ManualLock>(
      members.map((m) => {
        const [service = '', env = ''] = m.split('/');
        return this.key(service, env);
      }),
    );
    return docs.filter((l): l is ManualLock => l !== null).sort((a, b) => a.at - b.at);
  }

  async lock(service: string, env: string, reason: string, actor: Actor, at: number): Promise<ManualLock> {
    this.requireTarget(service, env);
    const wanted: ManualLock = { service, env, by: actor.userId, at, reason };
    const after = await this.store.update<ManualLock>(this.key(service, env), (cur) => (cur ? ABORT : wanted));
    if (!after || after.by !== wanted.by || after.at !== wanted.at) {
      const held = after ?? (await this.get(service, env));
      throw new ConflictError(held ? `Already locked: ${lockedLine(held)}` : `${service}/${env} could not be locked; try again.`);
    }
    await this.store.setAdd(this.indexKey(), `${service}/${env}`);
    this.index = null;
    return after;
  }

  /**
   * Releases the lock: its owner may, an admin may break another's with `force` (the reason).
   * Returns the lock that was released.
   */
  async unlock(service: string, env: string, actor: Actor, force?: string): Promise<ManualLock> {
    this.requireTarget(service, env);
    const held = await this.get(service, env);
    if (!held) throw new InvalidStateError(`${service}/${env} is not locked.`);
    if (held.by !== actor.userId) {
      if (!AccessControl.has(actor, 'admin'))
        throw new ForbiddenError(
          `${service}/${env} was locked by ${mention(held.by)}: only they or an admin may unlock it.`,
          'pipeline:manual-lock:owner',
          [`Ask ${mention(held.by)}, or an admin (\`/pipeline unlock ${service} ${env} --force "reason"\`, audited).`],
        );
      if (!force)
        throw new ForbiddenError(
          `${service}/${env} was locked by ${mention(held.by)}. Breaking someone else's lock needs a reason.`,
          'pipeline:manual-lock:force',
          [`\`/pipeline unlock ${service} ${env} --force "reason"\` (audited).`],
        );
    }
    // Only the lock that was looked at is removed: one taken again meanwhile stays.
    const after = await this.store.update<ManualLock>(this.key(service, env), (cur) =>
      cur && cur.by === held.by && cur.at === held.at ? null : ABORT,
    );
    if (after) throw new ConflictError(`${service}/${env} was locked again meanwhile: ${lockedLine(after)}`);
    await this.store.setRemove(this.indexKey(), `${service}/${env}`);
    this.index = null;
    return held;
  }
}

/** The deploy guard: a locked service/env refuses every run, whoever asks (admins unlock instead). */
export function manualLockGuard(locks: ManualLocks): DeployGuard {
  return {
    name: MANUAL_LOCK_GUARD,
    async check(req) {
      const held = await locks.holding(req.service, req.env);
      return held ? { allowed: false, overridable: false, reason: lockedLine(held) } : { allowed: true };
    },
  };
}
