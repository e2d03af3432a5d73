import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../../src/adapters/queue/bullmq-queue.js';
import { WorkerPool } from '../../src/adapters/queue/worker-pool.js';
import { SharedRateLimiter } from '../../src/adapters/redis/rate-limit.js';
import { tierBudget } from '../../src/adapters/slack/rate-budget.js';
import { RateLimitedError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import type { LocalSlack } from '../../src/local-slack/index.js';
import { startSlackProcesses, type SlackProcesses } from '../fakes/slack-processes.js';
import { REDIS_URL, waitFor } from '../support/redis.js';

// The workspace-wide Slack budget, shared by "processes" that are each their own Redis connection,
// store and Slack client, against the local Slack over loopback HTTP.
let procs: SlackProcesses;
let slack: LocalSlack;

beforeAll(async () => {
  procs = await startSlackProcesses();
  slack = procs.slack;
});
afterAll(async () => {
  await procs?.close();
});

const freshPrefix = (name: string) => procs.freshPrefix(name);
const store = (prefix: string) => procs.store(prefix);
/** One process's Slack directory: own connection, store, budget (the limiter on) and Web API client. */
const chatOf = (prefix: string, retryAfterScale = 1) => procs.proc(prefix, { limiter: 'tiers', retryAfterScale }).chat;

const lookups = () => slack.calls('usergroups.users.list').length;

describe('the shared limiter', () => {
  it('two limiters on one Redis grant no more than the budget between them', async () => {
    const prefix = freshPrefix('limit-two');
    const budget = () => ({ max: 20, windowMs: 60_000 });
    const [a, b] = [new SharedRateLimiter(store(prefix), budget), new SharedRateLimiter(store(prefix), budget)];
    const waits = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).take('conversations.create')));
    expect(waits.filter((w) => w === 0)).toHaveLength(20);
    // Every refusal says when the window frees a slot: within the minute, never "now".
    for (const w of waits.filter((x) => x > 0)) expect(w).toBeGreaterThan(0);
    for (const w of waits.filter((x) => x > 0)) expect(w).toBeLessThanOrEqual(60_000);
    // Another name has its own budget; a name without one is never limited (and costs no Redis call).
    expect(await a.take('chat.update')).toBe(0);
  });

  it('a hold stops the name for every limiter until it ends, and a shorter hold does not cut it', async () => {
    const prefix = freshPrefix('limit-hold');
    const [a, b] = [new SharedRateLimiter(store(prefix), tierBudget), new SharedRateLimiter(store(prefix), tierBudget)];
    await a.hold('usergroups.users.list', 45_000);
    await b.hold('usergroups.users.list', 1_000);
    const wait = await b.take('usergroups.users.list');
    expect(wait).toBeGreaterThan(40_000);
    expect(wait).toBeLessThanOrEqual(45_000);
    expect(await b.take('users.lookupByEmail')).toBe(0);
  });

  it('keeps Tier 2 and Tier 3 methods at their floor per minute and leaves the others alone', () => {
    expect(tierBudget('usergroups.users.list')).toEqual({ max: 20, windowMs: 60_000 });
    expect(tierBudget('pins.add')).toEqual({ max: 20, windowMs: 60_000 });
    expect(tierBudget('chat.update')).toEqual({ max: 50, windowMs: 60_000 });
    expect(tierBudget('users.lookupByEmail')).toEqual({ max: 50, windowMs: 60_000 });
    expect(tierBudget('views.publish')).toBeUndefined();
    expect(tierBudget('chat.postMessage')).toBeUndefined();
  });
});

describe('direct Slack calls within the budget', () => {
  it('two processes together send at most the Tier 2 budget; the call over it is refused before Slack sees it', async () => {
    const prefix = freshPrefix('chat-budget');
    const [a, b] = [chatOf(prefix), chatOf(prefix)];
    const before = lookups();
    const results = await Promise.allSettled(Array.from({ length: 26 }, (_, i) => (i % 2 ? a : b).usergroupMembers('S0APPROVERS')));
    expect(lookups() - before).toBe(20);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(6);
    for (const r of refused) {
      const err = (r as PromiseRejectedResult).reason as RateLimitedError;
      expect(err).toBeInstanceOf(RateLimitedError);
      expect(err.message).toMatch(/^Slack: busy right now \(usergroups\.users\.list is rate limited\); try again in about \d+ s$/);
    }
  });

  it('a 429 holds the method for every process for its Retry-After', async () => {
    const prefix = freshPrefix('chat-429');
    const [a, b] = [chatOf(prefix), chatOf(prefix)];
    slack.failNext('users.lookupByEmail', { status: 429, retryAfter: 45 });
    const before = slack.calls('users.lookupByEmail').length;
    const first = await a.lookupByEmail('carol@example.com').catch((e: unknown) => e);
    expect(first).toBeInstanceOf(RateLimitedError);
    expect((first as RateLimitedError).retryAfterMs).toBe(45_000);
    // The other process does not send the call into Slack's window: it is told to wait.
    const second = await b.lookupByEmail('carol@example.com').catch((e: unknown) => e);
    expect(second).toBeInstanceOf(RateLimitedError);
    expect((second as RateLimitedError).retryAfterMs).toBeGreaterThan(40_000);
    expect(slack.calls('users.lookupByEmail').length - before).toBe(1);
  });

  it('sits out a short 429 in place and answers', async () => {
    const prefix = freshPrefix('chat-short');
    const a = chatOf(prefix);
    slack.failNext('usergroups.users.list', { status: 429, retryAfter: 1 });
    const before = lookups();
    expect(await a.usergroupMembers('S0APPROVERS')).toEqual(['U0CAROL', 'U0DAVE']);
    expect(lookups() - before).toBe(2);
  });
});

describe('a 429 inside a job', () => {
  it('defers the job by Retry-After without using an attempt', async () => {
    const prefix = freshPrefix('job-429');
    const connection = procs.bullConnection();
    const jobs = new BullmqJobQueue({ connection, prefix, log: silentLogger });
    // Retry-After 45 s, scaled to 450 ms: longer than a call sits out in place, so the job is deferred.
    const chat = chatOf(prefix, 0.01);
    const answers: string[][] = [];
    const pool = new WorkerPool({
      connection: REDIS_URL,
      prefix,
      log: silentLogger,
      processors: [
        {
          name: 'lookup.group',
          attempts: 1,
          process: async () => {
            answers.push(await chat.usergroupMembers('S0SRE'));
            return 'done';
          },
        },
      ],
    });
    const inspect = new Queue('lookup', { connection, prefix });
    try {
      pool.start();
      slack.failNext('usergroups.users.list', { status: 429, retryAfter: 45 });
      const before = lookups();
      await jobs.enqueue('lookup.group', {}, { id: 'lookup-once', attempts: 1 });
      const job = await waitFor(async () => {
        const state = await inspect.getJobState('lookup-once');
        if (state === 'failed') throw new Error('the job failed');
        return state === 'completed' ? inspect.getJob('lookup-once') : undefined;
      });
      if (!job) throw new Error('the completed job is gone');
      // With one attempt allowed, a counted 429 would have failed it: it completed on its first,
      // with no error recorded, after being moved to the delayed set once (two lookups).
      expect(job.stacktrace ?? []).toEqual([]);
      expect(job.failedReason).toBeFalsy();
      expect(job.returnvalue).toBe('done');
      expect(answers).toEqual([['U0ERIN', 'U0ALICE']]);
      expect(lookups() - before).toBe(2);
    } finally {
      await pool.close();
      await inspect.close();
      await jobs.close();
    }
  });
});
