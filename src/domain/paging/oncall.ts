import type { ChatDirectory } from '../../core/ports/chat.js';
import type { Logger } from '../../core/ports/runtime.js';
import type { Store } from '../../core/ports/store.js';
import type { OnCallQueries } from '../contracts.js';
import { SYSTEM_NAME, type OnCallDirectory } from './ports.js';

/**
 * The `oncall` service incidents asks before its YAML lists: who is on call now per the paging
 * tools' schedules, as Slack users. The tool answers with emails; each is looked up in Slack
 * (users.lookupByEmail through the chat directory port). The answer (user ids only, never emails)
 * is kept briefly in the store, so a set-up, an escalation and a permission check in the same
 * minute ask the tool once. A tool that cannot be read gives no answer, and incidents falls back.
 */
export class ScheduledOnCall implements OnCallQueries {
  constructor(private readonly o: { directories: OnCallDirectory[]; chat: ChatDirectory; store: Store; log: Logger; cacheMs: number }) {}

  async onCall(services: readonly string[]): Promise<{ users: string[]; source?: string }> {
    const users = new Set<string>();
    const sources = new Set<string>();
    for (const service of services) {
      for (const dir of this.o.directories.filter((d) => d.covers(service))) {
        const found = await this.usersOf(dir, service);
        if (!found.length) continue;
        found.forEach((u) => users.add(u));
        sources.add(SYSTEM_NAME[dir.system]);
      }
    }
    return { users: [...users], ...(sources.size ? { source: [...sources].join(' and ') } : {}) };
  }

  private async usersOf(dir: OnCallDirectory, service: string): Promise<string[]> {
    const key = this.o.store.key('paging', 'oncall', dir.system, service);
    const cached = await this.o.store.getJson<string[]>(key);
    if (cached) return cached;
    let emails: string[];
    try {
      emails = await dir.onCallEmails(service);
    } catch (err) {
      this.o.log.warn({ system: dir.system, service, err: (err as Error).message }, 'on-call schedule not readable; the YAML lists apply');
      return [];
    }
    const users: string[] = [];
    for (const email of emails) {
      const user = await this.o.chat.lookupByEmail(email).catch(() => undefined);
      if (user) users.push(user);
      else this.o.log.warn({ system: dir.system, service }, 'an on-call person has no Slack user with their email');
    }
    if (this.o.cacheMs > 0) await this.o.store.setJson(key, users, { ttlMs: this.o.cacheMs });
    return users;
  }
}
