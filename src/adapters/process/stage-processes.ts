import type { Logger } from '../../core/ports/runtime.js';
import type { Store } from '../../core/ports/store.js';
import type { ProcessRecorder, StageProcesses } from '../../domain/pipelines/ports.js';
import { bootId, groupAlive, hostName, killGroup, processStart } from './proc.js';

/**
 * Every command a worker starts for a stage is written down in Redis (pid, process group, host,
 * boot id, start time, owner process, run and stage) until it is known dead, so the deploy lock is
 * never freed while it may still run, even when the worker that started it was killed (kill -9,
 * out of memory) and its command, in its own process group, carries on.
 *
 * - A record expires by itself at its deadline: the stage's timeout plus a margin. A command on a
 *   host nobody looks at again is presumed ended by then (its own timeout was the limit).
 * - On the same host a record is decided at once: the owner worker still alive (same pid and start
 *   time) means "running"; a gone owner makes it an orphan, whose process group is killed after
 *   checking the pid still is the same process (a reused pid is left alone).
 */
export interface ProcessRecord {
  id: string;
  pid: number;
  pgid: number;
  host: string;
  boot: string;
  /** Start of the command's leader in clock ticks since boot (/proc/<pid>/stat); null where unknown. */
  start: number | null;
  ownerPid: number;
  ownerStart: number | null;
  runId: string;
  stageId: string;
  startedAt: number;
  deadline: number;
}

/** Past the stage's own timeout: the runner's kill grace and a margin for a slow machine. */
const DEADLINE_MARGIN_MS = 60_000;
const ORPHAN_TERM_GRACE_MS = 2000;

export class RedisStageProcesses implements StageProcesses, ProcessRecorder {
  private readonly host = hostName();
  private readonly boot = bootId();
  private readonly self = { pid: process.pid, start: processStart(process.pid) };

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  private recordKey(id: string): string {
    return this.store.key('pipelines', 'proc', id);
  }

  private runKey(runId: string): string {
    return this.store.key('pipelines', 'procs-of-run', runId);
  }

  private hostKey(): string {
    return this.store.key('pipelines', 'procs-on-host', this.host);
  }

  async started(o: { pid: number; runId: string; stageId: string; timeoutMs: number }): Promise<string> {
    const at = this.now();
    const id = `${this.host}-${this.boot.slice(0, 8)}-${o.pid}-${at}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    const ttlMs = o.timeoutMs + DEADLINE_MARGIN_MS;
    const rec: ProcessRecord = {
      id,
      pid: o.pid,
      pgid: o.pid,
      host: this.host,
      boot: this.boot,
      start: processStart(o.pid),
      ownerPid: this.self.pid,
      ownerStart: this.self.start,
      runId: o.runId,
      stageId: o.stageId,
      startedAt: at,
      deadline: at + ttlMs,
    };
    await this.store.setJson(this.recordKey(id), rec, { ttlMs });
    for (const set of [this.runKey(o.runId), this.hostKey()]) {
      await this.store.setAdd(set, id);
      await this.store.expire(set, Math.max(ttlMs, 7 * 86_400_000));
    }
    return id;
  }

  async ended(id: string): Promise<void> {
    const rec = await this.store.getJson<ProcessRecord>(this.recordKey(id));
    await this.forget(id, rec?.runId);
  }

  private async forget(id: string, runId: string | undefined): Promise<void> {
    await this.store.del(this.recordKey(id));
    if (runId) await this.store.setRemove(this.runKey(runId), id);
    await this.store.setRemove(this.hostKey(), id);
  }

  /** Commands of a run (of one stage, when given) that may still be running. */
  async mayRun(runId: string, stageId?: string): Promise<boolean> {
    for (const id of await this.store.setMembers(this.runKey(runId))) {
      const rec = await this.store.getJson<ProcessRecord>(this.recordKey(id));
      if (!rec) {
        await this.store.setRemove(this.runKey(runId), id); // past its deadline
        continue;
      }
      if (stageId && rec.stageId && rec.stageId !== stageId) continue;
      if (!(await this.settleIfLocal(rec))) return true;
    }
    return false;
  }

  /** At worker start and on every watchdog sweep: orphans this host's dead workers left. */
  async reap(): Promise<number> {
    let cleared = 0;
    for (const id of await this.store.setMembers(this.hostKey())) {
      const rec = await this.store.getJson<ProcessRecord>(this.recordKey(id));
      if (!rec) {
        await this.store.setRemove(this.hostKey(), id);
        continue;
      }
      if (await this.settleIfLocal(rec)) cleared++;
    }
    return cleared;
  }

  /**
   * For a record of this host: true once its command is known dead (then the record is gone).
   * Kills the group of an orphan. False for a live owner's command or another host's.
   */
  private async settleIfLocal(rec: ProcessRecord): Promise<boolean> {
    if (rec.host !== this.host) return false;
    if (rec.boot !== this.boot) {
      await this.forget(rec.id, rec.runId); // the machine rebooted since: nothing of it runs
      return true;
    }
    const leader = processStart(rec.pid);
    // A live leader that started at another time is another process with a reused pid; the kernel
    // never reuses a pid while a group of that id has members, so our group is empty then.
    const reused = leader !== null && rec.start !== null && leader !== rec.start;
    const ownerAlive = rec.ownerStart !== null && processStart(rec.ownerPid) === rec.ownerStart;
    if (ownerAlive) {
      // Its worker clears the record when the command ends; one it could not clear is settled here.
      if (reused || !groupAlive(rec.pgid)) {
        await this.forget(rec.id, rec.runId);
        return true;
      }
      return false;
    }
    if (!reused && groupAlive(rec.pgid)) {
      this.log.warn(
        { runId: rec.runId, stageId: rec.stageId, pid: rec.pid },
        'killing the process group of a stage command whose worker is gone',
      );
      killGroup(rec.pgid, 'SIGTERM');
      const until = Date.now() + ORPHAN_TERM_GRACE_MS;
      while (groupAlive(rec.pgid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (groupAlive(rec.pgid)) killGroup(rec.pgid, 'SIGKILL');
      const hard = Date.now() + ORPHAN_TERM_GRACE_MS;
      while (groupAlive(rec.pgid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 50));
      if (groupAlive(rec.pgid)) return false;
    }
    await this.forget(rec.id, rec.runId);
    return true;
  }
}
