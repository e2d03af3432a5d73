import { z } from 'zod';
import { ForbiddenError, RateLimitedError } from './errors.js';
import type { ChatDirectory } from './ports/chat.js';
import type { Store } from './ports/store.js';

/**
 * Roles granted to Slack users and user groups (config/access.yml). `admin` holds every role.
 * User-group membership is resolved through Slack (`usergroups.users.list`, Tier 2: about 20 a
 * minute) and cached in Redis, so every process sees the same answer. A cold cache must not turn
 * a burst of commands into a burst of lookups: callers in one process share one promise per group,
 * processes share one Redis lock per group (the others wait for its result), and an expired entry
 * is still served for a while as one caller refreshes it in the background.
 */
export const WELL_KNOWN_ROLES = [
  'admin',
  'deployer',
  'prod-deployer',
  'approver',
  'incident-commander',
  'planner',
  'secrets-reader',
  'auditor',
] as const;

const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id like U012ABCDEF');
const groupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id like S012ABCDEF');

export const accessFileSchema = z.object({
  roles: z.record(
    z.string().regex(/^[a-z][a-z0-9-]*$/, 'role names are lowercase words joined by -'),
    z.object({ users: z.array(userId).default([]), groups: z.array(groupId).default([]) }).strict(),
  ),
});
export type AccessFile = z.infer<typeof accessFileSchema>;

export interface Actor {
  userId: string;
  roles: ReadonlySet<string>;
}

export interface GroupCacheOptions {
  /** Membership younger than this is used as is (default 5 minutes). */
  freshMs?: number;
  /**
   * Older membership, up to this age, is served while one refresh runs (default 1 hour). It bounds
   * how long someone removed from a group keeps its roles when Slack cannot be reached.
   */
  staleMs?: number;
  /** How long one process may hold the lookup lock before another may try (default 10 s). */
  lockMs?: number;
}

interface CachedGroup {
  members: string[];
  /** When Slack answered (ms since epoch). */
  at: number;
}

const POLL_MS = 25;

export class AccessControl {
  private readonly inflight = new Map<string, Promise<string[]>>();
  private readonly refreshing = new Set<string>();
  private readonly freshMs: number;
  private readonly staleMs: number;
  private readonly lockMs: number;

  constructor(
    private readonly file: AccessFile,
    private readonly chat: Pick<ChatDirectory, 'usergroupMembers'>,
    private readonly store: Store,
    opts: GroupCacheOptions = {},
  ) {
    this.freshMs = opts.freshMs ?? 5 * 60_000;
    this.staleMs = Math.max(opts.staleMs ?? 60 * 60_000, this.freshMs);
    this.lockMs = opts.lockMs ?? 10_000;
  }

  roleNames(): string[] {
    return Object.keys(this.file.roles).sort();
  }

  /**
   * The roles of the person behind a request, checked before anything runs. When Slack is too
   * busy to answer a group lookup (a 429 with a long Retry-After) the request stops here, so the
   * person is told that nothing was changed and when to try again.
   */
  async actor(userId: string): Promise<Actor> {
    try {
      return { userId, roles: await this.rolesOf(userId) };
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      const s = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
      throw new RateLimitedError(
        'Slack',
        `busy right now, so your roles could not be checked: nothing was changed. Try again in about ${s} s.`,
        err.retryAfterMs,
        err,
      );
    }
  }

  /**
   * Direct grants first; a user granted `admin` directly holds every role, so no group is looked
   * up for them. Otherwise each distinct group of the roles not granted directly is looked up once.
   */
  async rolesOf(userId: string): Promise<Set<string>> {
    const roles = new Set<string>();
    const viaGroups: Array<[string, string[]]> = [];
    for (const [role, grant] of Object.entries(this.file.roles)) {
      if (grant.users.includes(userId)) roles.add(role);
      else if (grant.groups.length) viaGroups.push([role, grant.groups]);
    }
    if (roles.has('admin') || !viaGroups.length) return roles;
    const groups = [...new Set(viaGroups.flatMap(([, gs]) => gs))];
    const members = new Map(await Promise.all(groups.map(async (g) => [g, await this.groupMembers(g)] as const)));
    for (const [role, gs] of viaGroups) if (gs.some((g) => members.get(g)?.includes(userId))) roles.add(role);
    return roles;
  }

  /**
   * Who holds a role directly or through a user group; admins hold every role implicitly and are
   * not listed (so notifying a role's holders does not page every admin).
   */
  async holders(role: string): Promise<string[]> {
    const grant = this.file.roles[role];
    if (!grant) return [];
    const users = new Set(grant.users);
    for (const g of grant.groups) (await this.groupMembers(g)).forEach((u) => users.add(u));
    return [...users].sort();
  }

  /** Members of a Slack user group: cached, one lookup at a time per group across processes. */
  groupMembers(groupId: string): Promise<string[]> {
    let p = this.inflight.get(groupId);
    if (!p) {
      p = this.resolve(groupId).finally(() => this.inflight.delete(groupId));
      this.inflight.set(groupId, p);
    }
    return p;
  }

  private cacheKey(groupId: string): string {
    return this.store.key('usergroup', groupId);
  }

  private async cached(groupId: string): Promise<CachedGroup | null> {
    const v = await this.store.getJson<CachedGroup | string[]>(this.cacheKey(groupId));
    // A bare array is the format of earlier versions (no age): treat it as absent.
    return v && !Array.isArray(v) && Array.isArray(v.members) ? v : null;
  }

  private isFresh(hit: CachedGroup | null): hit is CachedGroup {
    return hit !== null && Date.now() - hit.at < this.freshMs;
  }

  private async resolve(groupId: string): Promise<string[]> {
    const hit = await this.cached(groupId);
    const age = hit ? Date.now() - hit.at : Infinity;
    if (hit && age < this.freshMs) return hit.members;
    if (hit && age < this.staleMs) {
      this.refreshInBackground(groupId);
      return hit.members;
    }
    return this.lookup(groupId);
  }

  private refreshInBackground(groupId: string): void {
    if (this.refreshing.has(groupId)) return;
    this.refreshing.add(groupId);
    // A failed refresh leaves the stale entry; the next caller after it tries again.
    void this.lookup(groupId)
      .catch(() => undefined)
      .finally(() => this.refreshing.delete(groupId));
  }

  /**
   * One process asks Slack (the holder of a short Redis lock); the others wait for the fresh
   * entry it writes, or take the lock over if it expires without one (that process died).
   */
  private async lookup(groupId: string): Promise<string[]> {
    const lock = this.store.key('usergroup-lock', groupId);
    const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    for (;;) {
      if (await this.store.claim(lock, this.lockMs, token)) {
        try {
          // Another process may have answered between our miss and our claim.
          const hit = await this.cached(groupId);
          if (this.isFresh(hit)) return hit.members;
          const members = await this.chat.usergroupMembers(groupId);
          const entry: CachedGroup = { members, at: Date.now() };
          await this.store.setJson(this.cacheKey(groupId), entry, { ttlMs: this.staleMs });
          return members;
        } finally {
          await this.store.release(lock, token);
        }
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
      const hit = await this.cached(groupId);
      if (this.isFresh(hit)) return hit.members;
    }
  }

  static has(actor: Actor, role: string): boolean {
    return actor.roles.has(role) || actor.roles.has('admin');
  }

  /** Throws a ForbiddenError naming the role; the error middleware audits the refusal. */
  static require(actor: Actor, role: string, action: string): void {
    if (!AccessControl.has(actor, role)) {
      throw new ForbiddenError(`You need the \`${role}\` role to ${action}.`, `role:${role}`, [
        'Ask an admin to grant it in config/access.yml (users or user groups).',
      ]);
    }
  }
}
