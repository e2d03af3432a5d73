import { ConflictError, NotFoundError, UsageError } from '../../core/errors.js';
import type { Clock } from '../../core/ports/runtime.js';
import type { PlanConfig } from './config.js';
import { DAY_MS, UNFINISHED_STATES, withHistory, type Iteration, type PlanItem } from './model.js';
import type { PlanRepo } from './repo.js';

export const SYSTEM_ACTOR = 'switchyard';

/**
 * Iterations: there is always exactly one current iteration. The first is created on first use;
 * closing one (or starting a named one) makes a new one current in the same step, and the
 * unfinished items (next, doing) of the closed one roll into it.
 */
export class Iterations {
  constructor(
    private readonly repo: PlanRepo,
    private readonly cfg: PlanConfig,
    private readonly clock: Clock,
  ) {}

  async current(): Promise<Iteration> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = await this.repo.currentIterationId();
      const existing = id ? await this.repo.getIteration(id) : null;
      if (existing) return existing;
      const first = await this.create(`${this.cfg.iterationPrefix} `, this.cfg.iterationDays, SYSTEM_ACTOR);
      // Another process may create the first iteration at the same moment: one pointer wins.
      const won = id === null ? await this.repo.initCurrent(first.id) : await this.repo.swapCurrent(id, first.id);
      if (won) return first;
      await this.repo.removeIteration(first.id);
    }
    throw new ConflictError('The current iteration is changing right now; try again.');
  }

  /** `current`, an iteration name (any case) or its id. */
  async find(ref: string): Promise<Iteration> {
    const r = ref.trim().toLowerCase();
    if (r === 'current') return this.current();
    const all = await this.repo.iterations(200);
    const hit = all.find((i) => i.name.toLowerCase() === r || i.id === r);
    if (!hit) throw new NotFoundError('iteration', ref, ['current', ...all.slice(0, 20).map((i) => i.name)]);
    return hit;
  }

  /**
   * Closes the current iteration and makes a new one current (named, or the next in the series).
   * Safe to retry: the close is first written on the closing iteration (with the iteration that
   * follows it), so a close that stopped half-way (process killed, Redis error) is finished by the
   * next close instead of closing the new iteration too; two people closing at once finish one close.
   * `resumed` says the close finished was an earlier one, not one this call started. `expect`
   * (an iteration id) refuses to close any other.
   */
  async rollover(
    actor: string,
    opts: { name?: string; days?: number; expect?: string },
  ): Promise<{ closed: Iteration; next: Iteration; resumed: boolean }> {
    const cur = await this.current();
    const unfinished = await this.unfinishedClose(cur);
    if (unfinished) return { ...(await this.finishRollover(unfinished.closed, unfinished.next, actor)), resumed: true };
    // A close that names its iteration never closes the one after it.
    if (opts.expect !== undefined && cur.id !== opts.expect)
      throw new ConflictError(`That iteration is no longer the current one (*${cur.name}* is); nothing was closed.`);
    if (opts.name !== undefined) await this.assertNameFree(opts.name);
    const lastDays = Math.max(1, Math.round((cur.endAt - cur.startAt) / DAY_MS));
    const name = opts.name ?? (await this.freeName(followingName(cur.name)));
    const seq = await this.repo.nextIterationSeq();
    const now = this.clock.now();
    const next: Iteration = { id: `it${seq}`, seq, name, startAt: now, endAt: now + (opts.days ?? lastDays) * DAY_MS, createdBy: actor };
    const marked = await this.repo.updateIteration(cur.id, (c) =>
      c.closedAt !== undefined ? null : { ...c, closedAt: now, closedBy: actor, nextId: next.id, closingInto: next },
    );
    if (!marked) {
      // Someone else began closing it a moment ago: finish that close rather than start another.
      const theirs = await this.unfinishedClose(await this.current());
      if (theirs) return { ...(await this.finishRollover(theirs.closed, theirs.next, actor)), resumed: true };
      throw new ConflictError(`*${cur.name}* was closed by someone else a moment ago; nothing was changed.`);
    }
    return { ...(await this.finishRollover(marked, next, actor)), resumed: false };
  }

  /** A close written on an iteration but not finished (no counts yet), with the iteration it closes into. */
  private async unfinishedClose(cur: Iteration): Promise<{ closed: Iteration; next: Iteration } | null> {
    if (cur.closingInto) return { closed: cur, next: cur.closingInto };
    const prev = (await this.repo.iterations(5)).find((i) => i.nextId === cur.id && !i.counts);
    return prev ? { closed: prev, next: cur } : null;
  }

  /** Every step is idempotent: the new iteration, the pointer, then the unfinished items. */
  private async finishRollover(closed: Iteration, next: Iteration, actor: string): Promise<{ closed: Iteration; next: Iteration }> {
    await this.repo.insertIteration(next);
    await this.repo.swapCurrent(closed.id, next.id);
    const now = this.clock.now();
    // Only one iteration is current, so unfinished work in any other is a leftover.
    const leftover = (i: PlanItem) => i.iteration !== undefined && i.iteration !== next.id && UNFINISHED_STATES.has(i.state);
    for (const item of await this.repo.allItems()) {
      if (!leftover(item)) continue;
      await this.repo.updateItem(item.id, (i) =>
        leftover(i)
          ? {
              ...i,
              iteration: next.id,
              rolledFrom: closed.id,
              updatedAt: now,
              history: withHistory(i, { at: now, actor, text: `rolled over from ${closed.name} to ${next.name}` }),
            }
          : null,
      );
    }
    const { closingInto: _done, ...rest } = closed;
    return { closed: rest, next: (await this.repo.getIteration(next.id)) ?? next };
  }

  async recent(limit = 10): Promise<Iteration[]> {
    return this.repo.iterations(limit);
  }

  async save(it: Iteration): Promise<void> {
    await this.repo.putIteration(it);
  }

  private async create(name: string, days: number, actor: string): Promise<Iteration> {
    const seq = await this.repo.nextIterationSeq();
    const now = this.clock.now();
    // The automatic first iteration is "<prefix> <n>"; its number is known only once allocated.
    const finalName = name.endsWith(' ') ? `${name}${seq}` : name;
    const it: Iteration = { id: `it${seq}`, seq, name: finalName, startAt: now, endAt: now + days * DAY_MS, createdBy: actor };
    await this.repo.putIteration(it);
    return it;
  }

  /** The series name, bumped past names already used ("Sprint 15" taken -> "Sprint 16"). */
  private async freeName(candidate: string): Promise<string> {
    const taken = new Set((await this.repo.iterations(200)).map((i) => i.name.toLowerCase()));
    let name = candidate;
    for (let i = 0; i < 200 && taken.has(name.toLowerCase()); i++) name = followingName(name);
    return name;
  }

  private async assertNameFree(name: string): Promise<void> {
    if (!name.trim()) throw new UsageError('An iteration needs a name, e.g. `/plan iteration start "Sprint 14" --days 7`.');
    if (name.toLowerCase() === 'current') throw new UsageError('`current` names the current iteration; choose another name.');
    const all = await this.repo.iterations(200);
    if (all.some((i) => i.name.toLowerCase() === name.toLowerCase())) {
      throw new ConflictError(`An iteration named *${name}* exists already.`, [
        `Iterations: ${all
          .slice(0, 10)
          .map((i) => i.name)
          .join(', ')}`,
      ]);
    }
  }
}

/** "Sprint 14" -> "Sprint 15"; a name without a number gets " 2". */
export function followingName(name: string): string {
  const m = /^(.*?)(\d+)$/.exec(name);
  return m ? `${m[1]}${Number(m[2]) + 1}` : `${name} 2`;
}
