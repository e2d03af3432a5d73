import type { Actor } from '../../core/access.js';
import type { AuditLog } from '../../core/audit.js';
import { InvalidStateError, NotFoundError, UsageError } from '../../core/errors.js';
import type { Clock } from '../../core/ports/runtime.js';
import type { PlanItemDraft, PlanWriter } from '../contracts.js';
import type { Services } from '../services.js';
import type { PlanPolicy } from './authorize.js';
import type { PlanConfig } from './config.js';
import type { Iterations } from './iterations.js';
import { resolveLinkTarget, type ResolvedLink } from './links.js';
import {
  ITERATION_STATES,
  clipWord,
  parseItemId,
  withHistory,
  type PlanItem,
  type PlanLink,
  type PlanState,
  type ShippedMarker,
} from './model.js';
import type { PlanRepo } from './repo.js';
import { mention } from '../../core/outbound.js';

export interface CreateOptions {
  state?: 'backlog' | 'next';
}

export interface ListFilter {
  owner?: string;
  service?: string;
  states?: ReadonlySet<PlanState>;
  iteration?: string;
}

const TITLE_MAX = 150;

/** Plan items: creation (idempotent on a source key), moves, owners, links, drops, listing. */
export class PlanService implements PlanWriter {
  constructor(
    private readonly repo: PlanRepo,
    readonly iterations: Iterations,
    private readonly deps: { clock: Clock; audit: AuditLog; services: Services; cfg: PlanConfig; policy: PlanPolicy },
  ) {}

  /** The `plan` service other capabilities use (follow-ups, findings). */
  async createItem(draft: PlanItemDraft): Promise<{ id: string }> {
    return { id: (await this.create(draft)).id };
  }

  async create(draft: PlanItemDraft, opts: CreateOptions = {}): Promise<PlanItem> {
    const title = draft.title.replace(/\s+/g, ' ').trim();
    if (!title) throw new UsageError('A plan item needs a title.');
    if (title.length > TITLE_MAX) throw new UsageError(`The title is ${title.length} characters; at most ${TITLE_MAX}.`);
    let id: string | null = null;
    if (draft.sourceKey) {
      id = await this.repo.sourceItemId(draft.sourceKey);
      const existing = id ? await this.repo.getItem(id) : null;
      if (existing) return existing;
    }
    if (!id) {
      id = `PLAN-${await this.repo.nextItemSeq()}`;
      if (draft.sourceKey) {
        const bound = await this.repo.claimSource(draft.sourceKey, id);
        const winner = bound !== id ? await this.repo.getItem(bound) : null;
        if (winner) return winner;
        id = bound;
      }
    }
    const now = this.deps.clock.now();
    const state = opts.state ?? 'backlog';
    const links: PlanLink[] = (draft.links ?? []).map((ref) => toLink(ref, draft.createdBy, now));
    const item: PlanItem = {
      id,
      seq: Number(id.slice('PLAN-'.length)),
      title,
      ...(draft.description ? { description: draft.description } : {}),
      kind: draft.kind,
      ...(draft.service ? { service: draft.service } : {}),
      ...(draft.owner ? { owner: draft.owner } : {}),
      state,
      ...(ITERATION_STATES.has(state) ? { iteration: (await this.iterations.current()).id } : {}),
      priority: draft.priority ?? 'medium',
      links,
      createdBy: draft.createdBy,
      createdAt: now,
      updatedAt: now,
      ...(draft.sourceKey ? { sourceKey: draft.sourceKey } : {}),
      history: [{ at: now, actor: draft.createdBy, text: `created in ${state}` }],
    };
    // A retried create (same source key, crashed before) finds its id taken: keep what is there.
    if (!(await this.repo.insertItem(item))) return (await this.repo.getItem(id)) ?? item;
    return item;
  }

  /** By id as typed; an unknown id answers with the ids that exist. */
  async get(typed: string): Promise<PlanItem> {
    const id = parseItemId(typed);
    const item = id ? await this.repo.getItem(id) : null;
    if (!item) throw new NotFoundError('plan item', clipWord(typed), await this.repo.recentItemIds(25));
    return item;
  }

  /** Who may change items (owner, team, planner): checked here, so every caller is held to it. */
  get policy(): PlanPolicy {
    return this.deps.policy;
  }

  async move(typed: string, state: PlanState, by: Actor): Promise<PlanItem> {
    const actor = by.userId;
    if (state === 'dropped') throw new UsageError('To drop an item, give a reason: `/plan drop <id> "reason"`.');
    const item = await this.get(typed);
    await this.deps.policy.requireItemChange(item, by, 'move it');
    if (item.state === state) throw new InvalidStateError(`*${item.id}* is already in *${state}*.`);
    const iteration = ITERATION_STATES.has(state) ? (await this.iterations.current()).id : undefined;
    const now = this.deps.clock.now();
    const { item: after } = await this.repo.updateItem(item.id, (i) => {
      if (i.state === state) return null;
      // Leaving done or dropped takes the shipped marker or the drop reason with it.
      const { iteration: _old, dropReason: _reason, shipped: _shipped, ...rest } = i;
      return {
        ...rest,
        state,
        ...(iteration ? { iteration } : {}),
        ...(state === 'doing' && i.startedAt === undefined ? { startedAt: now } : {}),
        updatedAt: now,
        history: withHistory(i, { at: now, actor, text: `moved ${i.state} → ${state}` }),
      };
    });
    if (!after || after.state !== state) throw new InvalidStateError(`*${item.id}* changed meanwhile; nothing was moved.`);
    await this.audit(actor, 'plan move', after.id, `${item.state} -> ${state}`);
    return after;
  }

  async assign(typed: string, owner: string, by: Actor): Promise<{ item: PlanItem; previous?: string }> {
    const actor = by.userId;
    const item = await this.get(typed);
    await this.deps.policy.requireItemChange(item, by, 'assign it', owner);
    if (item.owner === owner) throw new InvalidStateError(`*${item.id}* is already assigned to ${mention(owner)}.`);
    const now = this.deps.clock.now();
    const { item: after } = await this.repo.updateItem(item.id, (i) => ({
      ...i,
      owner,
      updatedAt: now,
      history: withHistory(i, { at: now, actor, text: `assigned to ${mention(owner)}` }),
    }));
    await this.audit(actor, 'plan assign', item.id, `${item.owner ?? 'nobody'} -> ${owner}`);
    return { item: after ?? item, ...(item.owner ? { previous: item.owner } : {}) };
  }

  async link(typed: string, target: string, by: Actor): Promise<{ item: PlanItem; link: ResolvedLink; shipped: boolean }> {
    const actor = by.userId;
    const item = await this.get(typed);
    await this.deps.policy.requireItemChange(item, by, 'link it');
    const link = await resolveLinkTarget(this.deps.services, target);
    if (item.links.some((l) => l.type === link.type && l.ref === link.ref)) {
      throw new InvalidStateError(`*${item.id}* is already linked to \`${link.ref}\`.`);
    }
    const now = this.deps.clock.now();
    const entry: PlanLink = { type: link.type, ref: link.ref, ...(link.url ? { url: link.url } : {}), addedBy: actor, at: now };
    const { item: after } = await this.repo.updateItem(item.id, (i) =>
      i.links.some((l) => l.type === link.type && l.ref === link.ref)
        ? null
        : {
            ...i,
            links: [...i.links, entry],
            updatedAt: now,
            history: withHistory(i, { at: now, actor, text: `linked ${link.type} ${link.ref}` }),
          },
    );
    await this.repo.indexLink(link.type, link.ref, item.id);
    // Linking a run that already shipped to production ships the item now rather than never.
    const run = link.run;
    const shipped =
      run && run.status === 'succeeded' && this.isProduction(run.env)
        ? (await this.markShipped(item.id, { runId: run.id, pipeline: run.pipeline, env: run.env, at: run.finishedAt ?? now }, actor)) !==
          null
        : false;
    return { item: (await this.repo.getItem(item.id)) ?? after ?? item, link, shipped };
  }

  async drop(typed: string, reason: string, by: Actor): Promise<PlanItem> {
    const actor = by.userId;
    const text = reason.replace(/\s+/g, ' ').trim();
    if (!text) throw new UsageError('Say why the item is dropped: `/plan drop <id> "reason"`.');
    const item = await this.get(typed);
    await this.deps.policy.requireItemChange(item, by, 'drop it');
    if (item.state === 'dropped') throw new InvalidStateError(`*${item.id}* is already dropped (${item.dropReason ?? 'no reason'}).`);
    const now = this.deps.clock.now();
    const { item: after } = await this.repo.updateItem(item.id, (i) =>
      i.state === 'dropped'
        ? null
        : {
            ...i,
            state: 'dropped',
            dropReason: text.slice(0, 300),
            updatedAt: now,
            history: withHistory(i, { at: now, actor, text: `dropped: ${text.slice(0, 120)}` }),
          },
    );
    await this.audit(actor, 'plan drop', item.id, text);
    return after ?? item;
  }

  async list(filter: ListFilter): Promise<PlanItem[]> {
    const items = await this.repo.allItems();
    return items
      .filter((i) => (filter.owner ? i.owner === filter.owner : true))
      .filter((i) => (filter.service ? i.service === filter.service : true))
      .filter((i) => (filter.states ? filter.states.has(i.state) : true))
      .filter((i) => (filter.iteration ? i.iteration === filter.iteration : true));
  }

  /**
   * Marks an item done and shipped by a production run. Idempotent: an item already shipped, or
   * dropped, is left alone (null). The run is added to the item's links when missing.
   */
  async markShipped(id: string, marker: ShippedMarker, actor: string): Promise<PlanItem | null> {
    const iteration = (await this.iterations.current()).id;
    const now = this.deps.clock.now();
    const { item, changed } = await this.repo.updateItem(id, (i) => {
      if (i.shipped || i.state === 'dropped') return null;
      const links = i.links.some((l) => l.type === 'run' && l.ref === marker.runId)
        ? i.links
        : [...i.links, toLink(marker.runId, actor, now, 'run')];
      return {
        ...i,
        state: 'done',
        iteration: i.state === 'done' && i.iteration ? i.iteration : iteration,
        shipped: marker,
        links,
        updatedAt: now,
        history: withHistory(i, { at: now, actor, text: `shipped to ${marker.env} by run ${marker.runId}` }),
      };
    });
    if (!changed || !item) return null;
    await this.repo.indexLink('run', marker.runId, id);
    await this.audit(actor, 'plan shipped', id, `run ${marker.runId} (${marker.env})`);
    return item;
  }

  /** The `plan` service's link for other capabilities (a Jira issue filed for a follow-up): no policy, idempotent. */
  async addLink(id: string, link: { type: 'url'; ref: string; addedBy: string }): Promise<void> {
    const now = this.deps.clock.now();
    const entry: PlanLink = { type: 'url', ref: link.ref, url: link.ref, addedBy: link.addedBy, at: now };
    const { changed } = await this.repo.updateItem(id, (i) =>
      i.links.some((l) => l.type === 'url' && l.ref === link.ref)
        ? null
        : {
            ...i,
            links: [...i.links, entry],
            updatedAt: now,
            history: withHistory(i, { at: now, actor: link.addedBy, text: `linked ${link.ref}` }),
          },
    );
    if (changed) await this.audit(link.addedBy, 'plan link', id, link.ref);
  }

  linkedItemIds(type: 'run' | 'incident' | 'finding', ref: string): Promise<string[]> {
    return this.repo.linkedItemIds(type, ref);
  }

  isProduction(env: string): boolean {
    return this.deps.cfg.productionEnvs.some((e) => e.toLowerCase() === env.toLowerCase());
  }

  private async audit(actor: string, action: string, target: string, detail: string): Promise<void> {
    await this.deps.audit.record({ actor, action, outcome: 'ok', target, detail });
  }
}

/** Draft links arrive as strings: `run:<id>`, `incident:<id>`, `finding:<id>`, `message:<url>` or a URL. */
function toLink(ref: string, actor: string, at: number, forced?: PlanLink['type']): PlanLink {
  if (forced) return { type: forced, ref, addedBy: actor, at };
  const m = /^(run|incident|finding|message):(.+)$/.exec(ref);
  if (m) {
    const type = m[1] as PlanLink['type'];
    const value = m[2]!;
    return { type, ref: value, ...(/^https?:\/\//.test(value) ? { url: value } : {}), addedBy: actor, at };
  }
  return { type: 'url', ref, ...(/^https?:\/\//.test(ref) ? { url: ref } : {}), addedBy: actor, at };
}
