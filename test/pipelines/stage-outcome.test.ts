import { describe, expect, it } from 'vitest';
import { PermanentJobError, RateLimitedError } from '../../src/core/errors.js';
import type { StageState } from '../../src/domain/pipelines/model.js';
import { settleStage } from '../../src/domain/pipelines/stage-outcome.js';

/** The pure end of an attempt: what the executor records, row by row. */
const running: StageState = {
  id: 'deploy',
  kind: 'shell',
  status: 'running',
  phase: 'executing',
  needs: [],
  with: {},
  attempt: 1,
  maxAttempts: 3,
  backoffMs: 1000,
  timeoutMs: 60_000,
  gen: 4,
  checkpoint: { remote: 'x' },
};
const now = 1_000_000;
const settle = (o: Partial<Parameters<typeof settleStage>[1]>, s: StageState = running) =>
  settleStage(s, { why: undefined, outcome: undefined, error: undefined, secrets: new Set(), now, ...o });

describe('settleStage', () => {
  it('finishes with the outcome, clearing phase and checkpoint', () => {
    const { stage, retryIn } = settle({ outcome: { status: 'succeeded', summary: 'exit 0', link: 'https://ci/1' } });
    expect(retryIn).toBe(0);
    expect(stage).toMatchObject({ status: 'succeeded', summary: 'exit 0', link: 'https://ci/1', finishedAt: now, gen: 4 });
    expect(stage.phase).toBeUndefined();
    expect(stage.checkpoint).toBeUndefined();
  });

  it('cancels and times out whatever the kind said', () => {
    expect(settle({ why: 'cancel', outcome: { status: 'succeeded', summary: 'x' } }).stage).toMatchObject({
      status: 'cancelled',
      summary: 'cancelled',
    });
    expect(settle({ why: 'timeout' }).stage).toMatchObject({ status: 'failed', summary: 'timed out after 1m' });
  });

  it('waits at a gate, or applies a decision that came first', () => {
    const waiting = settle({ outcome: { status: 'waiting', summary: 'Waiting for 2 approvals' } }).stage;
    expect(waiting).toMatchObject({ status: 'waiting', summary: 'Waiting for 2 approvals' });
    expect(waiting.finishedAt).toBeUndefined();
    const decided = { ...running, resolution: { status: 'succeeded' as const, summary: 'Approved' } };
    const { stage } = settle({ outcome: { status: 'waiting' } }, decided);
    expect(stage).toMatchObject({ status: 'succeeded', summary: 'Approved', finishedAt: now });
    expect(stage.resolution).toBeUndefined();
  });

  it('waits out a rate limit on the same attempt, even the last one', () => {
    const busy = new RateLimitedError('Slack', 'busy right now (usergroups.users.list is rate limited)', 45_000);
    const { stage, retryIn } = settle({ error: busy }, { ...running, attempt: 3 });
    expect(retryIn).toBe(45_000);
    expect(stage).toMatchObject({ status: 'running', phase: 'queued', gen: 5, queuedAt: now + 45_000, carryAttempt: true, attempt: 3 });
    expect(stage.summary).toBe('Slack: busy right now (usergroups.users.list is rate limited); trying again in 45s (not a failed attempt)');
  });

  it('queues a retry with exponential backoff and a new generation, masking the error', () => {
    const { stage, retryIn } = settle(
      { error: new Error('connect refused s3cr3t'), secrets: new Set(['s3cr3t']) },
      { ...running, attempt: 2 },
    );
    expect(retryIn).toBe(2000);
    expect(stage).toMatchObject({ status: 'running', phase: 'queued', gen: 5, queuedAt: now + 2000 });
    expect(stage.summary).toBe('attempt 2 of 3 failed: connect refused ••••; retrying in 2s');
  });

  it('fails at once on a permanent error, and after the last attempt otherwise', () => {
    expect(settle({ error: new PermanentJobError('bad token') })).toEqual({
      stage: expect.objectContaining({ status: 'failed', summary: 'bad token', finishedAt: now }),
      retryIn: 0,
    });
    expect(settle({ error: new Error('flaky') }, { ...running, attempt: 3 }).stage).toMatchObject({
      status: 'failed',
      summary: 'flaky (after 3 attempts)',
    });
  });
});
