import { z } from 'zod';
import { ForbiddenError } from './errors.js';
import type { ChatPort } from './ports/chat.js';
import type { Store } from './ports/store.js';

/**
 * Roles granted to Slack users and user groups (config/access.yml). `admin` holds every role.
 * User-group membership is resolved through Slack and cached briefly in Redis, so every process
 * sees the same answer and Slack's tier-2 limit is respected.
 */
export const WELL_KNOWN_ROLES = ['admin', 'deployer', 'prod-deployer', 'approver', 'incident-commander', 'planner', 'secrets-reader', 'auditor'] as const;

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

const GROUP_CACHE_MS = 5 * 60_000;

export class AccessControl {
  constructor(
    private readonly file: AccessFile,
    private readonly chat: Pick<ChatPort, 'usergroupMembers'>,
    private readonly store: Store,
  ) {}

  roleNames(): string[] {
    return Object.keys(this.file.roles).sort();
  }

  async actor(userId: string): Promise<Actor> {
    return { userId, roles: await this.rolesOf(userId) };
  }

  async rolesOf(userId: string): Promise<Set<string>> {
    const roles = new Set<string>();
    for (const [role, grant] of Object.entries(this.file.roles)) {
      if (grant.users.includes(userId)) roles.add(role);
      else {
        for (const g of grant.groups) {
          if ((await this.groupMembers(g)).includes(userId)) {
            roles.add(role);
            break;
          }
        }
      }
    }
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

  /** Members of a Slack user group, cached. */
  async groupMembers(groupId: string): Promise<string[]> {
    const key = this.store.key('usergroup', groupId);
    const cached = await this.store.getJson<string[]>(key);
    if (cached) return cached;
    const members = await this.chat.usergroupMembers(groupId);
    await this.store.setJson(key, members, { ttlMs: GROUP_CACHE_MS });
    return members;
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
