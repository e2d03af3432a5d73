import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisStore } from '../../src/adapters/redis/store.js';
import { AccessControl, accessFileSchema, type GroupCacheOptions } from '../../src/core/access.js';
import { loadYamlFile } from '../../src/core/config/yaml-file.js';
import type { LocalSlack } from '../../src/local-slack/index.js';
import { startSlackProcesses, type SlackProcesses } from '../fakes/slack-processes.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/redis.js';

// usergroups.users.list is Tier 2 (about 20 a minute). From the failure's side: a burst of
// commands on a cold cache, two processes asking at once, a lookup holder that dies, and an
// expired entry: each must cost one lookup per group, counted at the local Slack.

const lookups = (slack: LocalSlack, group?: string) =>
  slack.calls('usergroups.users.list').filter((c) => group === undefined || c.args.usergroup === group);

describe('group lookups through the bot', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'access-burst' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('50 concurrent commands on a cold cache make one usergroups.users.list per group, and answer right', async () => {
    const users = ['U0GRACE', 'U0ERIN', 'U0CAROL', 'U0BOB', 'U0DAVE'];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => h.command(users[i % users.length]!, 'C0GENERAL', '/switchyard whoami')),
    );
    expect(lookups(h.slack, 'S0SRE')).toHaveLength(1);
    expect(lookups(h.slack, 'S0APPROVERS')).toHaveLength(1);
    expect(lookups(h.slack)).toHaveLength(2);
    const erin = results.find((r, i) => users[i % users.length] === 'U0ERIN')!;
    expect(erin.text).toContain('`deployer`'); // through @sre
    const carol = results.find((r, i) => users[i % users.length] === 'U0CAROL')!;
    expect(carol.text).toContain('`approver`'); // through @prod-approvers
    const grace = results.find((r, i) => users[i % users.length] === 'U0GRACE')!;
    expect(grace.text).toContain('_none_');
  });
});

describe('group lookups shared by processes', () => {
  const file = loadYamlFile('config/access.yml', accessFileSchema);
  let procs: SlackProcesses;
  let slack: LocalSlack;

  beforeAll(async () => {
    procs = await startSlackProcesses();
    slack = procs.slack;
  });
  afterAll(async () => {
    await procs?.close();
  });

  /** One "process": its own Redis connection, store, Slack client and AccessControl. */
  function proc(prefix: string, opts: GroupCacheOptions = {}): { access: AccessControl; store: RedisStore } {
    const { chat, store } = procs.proc(prefix);
    return { access: new AccessControl(file, chat, store, opts), store };
  }
  const freshPrefix = (name: string) => procs.freshPrefix(name);

  it('two processes asking for roles at once make one lookup per group', async () => {
    const prefix = freshPrefix('access-two');
    const [a, b] = [proc(prefix), proc(prefix)];
    const before = lookups(slack).length;
    const all = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).access.rolesOf(i % 4 < 2 ? 'U0CAROL' : 'U0ERIN')));
    expect(lookups(slack).length - before).toBe(2);
    expect(all.filter((r) => r.has('approver'))).toHaveLength(20);
    expect(all.filter((r) => r.has('deployer') && r.has('incident-commander'))).toHaveLength(20);
  });

  it('takes the lookup over when the process holding its lock died without answering', async () => {
    const prefix = freshPrefix('access-dead');
    const { access, store } = proc(prefix, { lockMs: 200 });
    await store.claim(store.key('usergroup-lock', 'S0APPROVERS'), 200, 'a-dead-process');
    const before = lookups(slack, 'S0APPROVERS').length;
    expect(await Promise.all([access.groupMembers('S0APPROVERS'), access.groupMembers('S0APPROVERS')])).toEqual([
      ['U0CAROL', 'U0DAVE'],
      ['U0CAROL', 'U0DAVE'],
    ]);
    expect(lookups(slack, 'S0APPROVERS').length - before).toBe(1);
  });

  it('serves an expired membership while one refresh runs, then the fresh one', async () => {
    const prefix = freshPrefix('access-stale');
    const { access, store } = proc(prefix, { freshMs: 1000, staleMs: 60_000 });
    // A 30-second-old answer in the cache: past freshMs, within staleMs.
    await store.setJson(store.key('usergroup', 'S0APPROVERS'), { members: ['U0OLD'], at: Date.now() - 30_000 });
    const before = lookups(slack, 'S0APPROVERS').length;
    const served = await Promise.all(Array.from({ length: 10 }, () => access.groupMembers('S0APPROVERS')));
    expect(served.every((m) => m.length === 1 && m[0] === 'U0OLD')).toBe(true);
    await waitFor(async () => (await access.groupMembers('S0APPROVERS')).includes('U0CAROL'), 5000, 'refreshed membership');
    expect(lookups(slack, 'S0APPROVERS').length - before).toBe(1);
  });

  it('looks up no group at all for a user granted admin directly', async () => {
    const prefix = freshPrefix('access-admin');
    const { access } = proc(prefix);
    const before = lookups(slack).length;
    const roles = await access.rolesOf('U0ALICE');
    expect(AccessControl.has({ userId: 'U0ALICE', roles }, 'approver')).toBe(true);
    expect(lookups(slack).length).toBe(before);
  });
});
