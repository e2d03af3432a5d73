import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { EVENT_JOB, subscribe, type DomainEvent } from '../../src/core/events.js';
import type { ModuleFactory } from '../../src/core/module.js';
import { defineJob, enqueueJob, jobProcessor } from '../../src/core/ports/jobs.js';
import type { Logger } from '../../src/core/ports/runtime.js';
import { EVENTS, type RunFinishedEvent, type RunStatus } from '../../src/domain/contracts.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/redis.js';

/**
 * Events and jobs cross process boundaries through the queue, so a payload may come from an older
 * version or be hand-made. Declared ones arrive typed and parsed; one their schema refuses is
 * logged with its code and never reaches a consumer (an event is skipped, a job fails at once).
 */
interface Entry {
  level: 'error' | 'warn';
  obj: Record<string, unknown>;
  msg?: string;
}
const entries: Entry[] = [];
const recorder = (bindings: Record<string, unknown> = {}): Logger => ({
  debug() {},
  info() {},
  warn: (obj, msg) => void entries.push({ level: 'warn', obj: { ...bindings, ...obj }, ...(msg ? { msg } : {}) }),
  error: (obj, msg) => void entries.push({ level: 'error', obj: { ...bindings, ...obj }, ...(msg ? { msg } : {}) }),
  child: (more) => recorder({ ...bindings, ...more }),
});

const ECHO = defineJob('probe.echo', z.object({ n: z.number().int(), who: z.string() }));
const typed: RunFinishedEvent[] = [];
const untyped: DomainEvent[] = [];
const echoed: Array<{ n: number; who: string }> = [];

const probe: ModuleFactory = () => ({
  name: 'typed-probe',
  subscriptions: [
    subscribe(EVENTS.runFinished, 'probe.typed', async (e) => {
      expectTypeOf(e.data.status).toEqualTypeOf<RunStatus>();
      typed.push(e.data);
    }),
    // A hand-written subscriber (no schema of its own) is shielded by the delivery all the same.
    { name: 'probe.untyped', type: EVENTS.runFinished, handle: async (e) => void untyped.push(e) },
  ],
  jobs: [jobProcessor(ECHO, { attempts: 5, backoffMs: 50, process: async (data) => void echoed.push(data) })],
  enqueues: [ECHO.name],
});

const finished = (runId: string): RunFinishedEvent => ({
  runId,
  pipeline: 'checkout-deploy',
  service: 'checkout',
  env: 'production',
  ref: 'main',
  status: 'succeeded',
  triggeredBy: 'U0BOB',
});

// Compile-time only (never called): tsc refuses a producer payload that does not match the event.
export const _producerTypeChecks = (h: Harness) => [
  // @ts-expect-error status must be a RunStatus
  h.app.ctx.events.publish(EVENTS.runFinished, 'x', { ...finished('x'), status: 'done' }),
  // @ts-expect-error runFinished needs its run id
  h.app.ctx.events.publish(EVENTS.runFinished, 'x', {
    pipeline: 'p',
    service: 's',
    env: 'e',
    ref: 'r',
    status: 'failed',
    triggeredBy: 'U0BOB',
  }),
  // @ts-expect-error a job payload is checked against its definition
  enqueueJob(h.app.ctx.jobs, ECHO, { n: 'one', who: 'U0BOB' }),
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ name: 'typed-payloads', modules: [probe], log: recorder() });
});
afterAll(async () => h?.close());

const settled = (name: string) =>
  waitFor(async () => ((await h.app.ctx.jobs.depth(name)) === 0 ? true : undefined), 10_000, `${name} drained`);

describe('domain events declared with defineEvent', () => {
  it('delivers a published event to its subscriber typed and parsed', async () => {
    await h.app.ctx.events.publish(EVENTS.runFinished, 'run-1', finished('run-1'));
    const got = await waitFor(() => typed.find((e) => e.runId === 'run-1'));
    expect(got).toEqual(finished('run-1'));
    expect(untyped.find((e) => e.data.runId === 'run-1')?.data).toEqual(finished('run-1'));
  });

  it('refuses an event an older producer left in the queue: logged with its code, seen by no subscriber, not retried', async () => {
    // The envelope the previous version enqueued, before runFinished carried status and service.
    await h.app.ctx.jobs.enqueue(
      EVENT_JOB,
      { type: EVENTS.runFinished, id: 'run-old', at: Date.now(), data: { runId: 'run-old', pipeline: 'checkout-deploy' } },
      { id: 'old-envelope' },
    );
    await h.app.ctx.events.publish(EVENTS.runFinished, 'run-2', finished('run-2'));
    const refused = await waitFor(() => entries.find((e) => e.msg === 'event refused: payload does not match its schema'));
    expect(refused).toMatchObject({ level: 'error', obj: { code: 'invalid_state', event: EVENTS.runFinished } });
    expect(refused.obj.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^service:/), expect.stringMatching(/^status:/)]));
    await waitFor(() => typed.find((e) => e.runId === 'run-2'));
    await settled(EVENT_JOB);
    expect([...typed, ...untyped.map((e) => e.data)].some((d) => d.runId === 'run-old')).toBe(false);
    expect(entries.filter((e) => e.msg === 'job failed, will retry' || e.msg === 'event subscriber failed')).toEqual([]);
  });

  it('refuses a malformed envelope the same way, without a crash', async () => {
    await h.app.ctx.jobs.enqueue(EVENT_JOB, { type: EVENTS.runFinished, data: 'not an object' }, { id: 'bad-envelope' });
    const refused = await waitFor(() =>
      entries.find((e) => e.msg === 'event refused: payload does not match its schema' && String(e.obj.err).includes(`job ${EVENT_JOB}`)),
    );
    expect(refused.obj).toMatchObject({ code: 'invalid_state', event: EVENTS.runFinished });
    await settled(EVENT_JOB);
  });
});

describe('jobs declared with defineJob', () => {
  it('hands the processor the payload enqueueJob was given', async () => {
    await enqueueJob(h.app.ctx.jobs, ECHO, { n: 7, who: 'U0BOB' }, { id: 'echo-7' });
    expect(await waitFor(() => echoed.find((d) => d.n === 7))).toEqual({ n: 7, who: 'U0BOB' });
  });

  it('fails a job whose payload its schema refuses at once, without retries, and never runs the processor on it', async () => {
    await h.app.ctx.jobs.enqueue(ECHO.name, { n: 'eight', who: 'U0BOB' }, { id: 'echo-bad', attempts: 5 });
    const failed = await waitFor(() => entries.find((e) => e.msg === 'job failed' && e.obj.jobId === 'echo-bad'));
    expect(failed.obj).toMatchObject({ job: ECHO.name, attempt: 1, attempts: 5 });
    expect(String(failed.obj.err)).toMatch(/^job probe\.echo: payload refused \(n: /);
    expect(entries.some((e) => e.msg === 'job failed, will retry' && e.obj.jobId === 'echo-bad')).toBe(false);
    expect(echoed.some((d) => String(d.n) === 'eight')).toBe(false);
  });
});
