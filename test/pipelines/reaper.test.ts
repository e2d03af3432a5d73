import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { groupAlive, processStart } from '../../src/adapters/process/proc.js';
import { RedisStageProcesses, type ProcessRecord } from '../../src/adapters/process/stage-processes.js';
import { RedisStore } from '../../src/adapters/redis/store.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { cleanupPrefix, REDIS_URL, testPrefix, waitFor } from '../support/redis.js';

/**
 * The reaper decides from what Linux says about real processes: an orphan's group is killed, a
 * pid now held by another process is never signalled, a live worker's command is left alone and
 * a command on another host holds until its deadline.
 */
describe('stage process records and the reaper', () => {
  const prefix = testPrefix('reaper');
  let redis: Redis;
  let store: RedisStore;
  let procs: RedisStageProcesses;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    store = new RedisStore(redis, prefix);
    procs = new RedisStageProcesses(store, silentLogger);
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.pid && groupAlive(c.pid)) process.kill(-c.pid, 'SIGKILL');
  });
  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  /** A command in its own process group, as the shell runner starts one. */
  const command = async () => {
    const c = spawn('/bin/sh', ['-c', 'sleep 30'], { detached: true, stdio: 'ignore' });
    children.push(c);
    await new Promise((r) => c.once('spawn', r)); // running in its own group, not merely forked
    return c.pid!;
  };
  const deadPid = async () => {
    const c = spawn('/bin/true');
    await new Promise((r) => c.once('exit', r));
    return c.pid!;
  };
  const edit = (id: string, patch: Partial<ProcessRecord>) =>
    store.update<ProcessRecord>(store.key('pipelines', 'proc', id), (cur) => ({ ...cur!, ...patch }));

  it('kills the process group of a command whose worker is gone, then lets the run go', async () => {
    const pid = await command();
    const id = await procs.started({ pid, runId: 'r1', stageId: 'deploy', timeoutMs: 60_000 });
    expect(await procs.mayRun('r1')).toBe(true); // its worker (this process) is alive
    expect(await procs.reap()).toBe(0);
    expect(groupAlive(pid)).toBe(true);

    await edit(id, { ownerPid: await deadPid() });
    expect(await procs.reap()).toBe(1);
    expect(groupAlive(pid)).toBe(false);
    expect(await procs.mayRun('r1')).toBe(false);
  });

  it('never signals a pid that now belongs to another process', async () => {
    const pid = await command();
    const id = await procs.started({ pid, runId: 'r2', stageId: 'deploy', timeoutMs: 60_000 });
    // The record says the command started at another time: this pid was reused by someone else.
    await edit(id, { ownerPid: await deadPid(), start: (processStart(pid) ?? 0) + 12345 });
    expect(await procs.mayRun('r2', 'deploy')).toBe(false);
    expect(groupAlive(pid)).toBe(true);
  });

  it('holds for a command on another host until its deadline, and never touches it', async () => {
    const pid = await command();
    const id = await procs.started({ pid, runId: 'r3', stageId: 'deploy', timeoutMs: 60_000 });
    await edit(id, { host: 'another-host', ownerPid: await deadPid() });
    expect(await procs.reap()).toBe(0);
    expect(await procs.mayRun('r3')).toBe(true);
    expect(await procs.mayRun('r3', 'other-stage')).toBe(false);
    expect(groupAlive(pid)).toBe(true);
    // Past the deadline (the record's expiry) it is presumed ended.
    await store.expire(store.key('pipelines', 'proc', id), 1);
    await waitFor(async () => !(await store.exists(store.key('pipelines', 'proc', id))), 5000, 'the record expired');
    expect(await procs.mayRun('r3')).toBe(false);
  });
});
