import type { AppContext } from '../../core/module.js';
import type { ChatMessages } from '../../core/ports/chat.js';
import { EVENTS } from '../contracts.js';
import { BatchStore, type ScanBatch } from './batches.js';
import { isAccepted, type FindingRecord, type FindingStore, type ReconcileResult } from './finding-store.js';
import type { InspectPresenter } from './presenter.js';

/**
 * How landing-zone findings reach people: the new findings of one inspection on one service are
 * one post in the owning team's channel (and one `findingsChanged` event, which planning turns
 * into one plan item); a fix, an acceptance or an expiry re-renders that post, replies in its
 * thread and publishes the change. Posts are keyed and events carry the batch's revision, so a
 * retried job or a redelivered event repeats nothing.
 *
 * Findings recorded before batches existed (no `scan`) keep their own message, as they were posted.
 */
type Ctx = Pick<AppContext, 'events' | 'log'> & { chat: ChatMessages };

/** Message keys of a finding's own post (before batches) and of a batch's post: stored messages depend on them. */
export const findingKey = (id: string): string => `finding-${id}`;
export const scanKey = (scanId: string): string => `scan-${scanId}`;

export class Announcer {
  readonly batches: BatchStore;

  constructor(
    private readonly ctx: Ctx & Pick<AppContext, 'store'>,
    private readonly findings: FindingStore,
    private readonly now: () => number,
    private readonly present: Pick<InspectPresenter, 'batch' | 'finding'>,
  ) {
    this.batches = new BatchStore(ctx.store, findings);
  }

  /** Everything one reconcile changed, for one inspector. */
  async reconciled(inspector: string, r: ReconcileResult): Promise<void> {
    const now = this.now();
    const fresh = [...r.opened, ...r.reopened, ...r.seen.filter((x) => !x.announced)];
    // reconcile gives every new, returning or unannounced finding a batch.
    for (const [scanId, recs] of groupBy(fresh.filter((x) => x.scan))) await this.announceBatch(scanId, recs);

    const fixedBy = groupBy(r.fixed.filter((x) => x.scan));
    for (const [scanId, recs] of fixedBy) {
      const ids = recs.map((x) => `\`${x.id}\``).join(', ');
      const text =
        recs.length === 1
          ? `:white_check_mark: ${ids} is fixed: ${inspector} no longer sees it.`
          : `:white_check_mark: ${ids} are fixed: ${inspector} no longer sees them.`;
      await this.changed(scanId, { key: `fixed-${recs[0]!.fixedAt}-${recs.length}`, text });
    }
    for (const rec of r.fixed.filter((x) => !x.scan))
      await this.legacyNote(rec, now, `fixed-${rec.fixedAt}`, `:white_check_mark: \`${rec.id}\` is fixed: ${inspector} no longer sees it.`);

    for (const rec of r.seen) {
      if (!rec.accepted || isAccepted(rec, now) || !(await this.findings.noteExpiry(rec.id))) continue;
      const text = `:hourglass: The accepted risk on \`${rec.id}\` expired and it is still open.`;
      if (rec.scan) await this.changed(rec.scan, { key: `expired-${rec.id}-${rec.accepted.until}`, text });
      else await this.legacyNote(rec, now, `expired-${rec.accepted.until}`, text);
    }
  }

  /** A finding's risk was accepted (`/inspect ack`). */
  async accepted(rec: FindingRecord, at: number, text: string): Promise<void> {
    if (rec.scan) await this.changed(rec.scan, { key: `ack-${rec.id}-${at}`, text });
    else await this.legacyNote(rec, this.now(), `ack-${at}`, text);
  }

  private async announceBatch(scanId: string, recs: FindingRecord[]): Promise<void> {
    const first = recs[0]!;
    const batch = await this.batches.add(
      {
        id: scanId,
        inspector: first.inspector,
        env: first.env,
        service: first.service,
        at: first.lastSeen,
        ...(first.channel ? { channel: first.channel } : {}),
      },
      recs.map((x) => x.id),
    );
    if (batch.channel) {
      // Keyed: a retried job posts nothing twice (its batch is the same; later findings get a new one).
      await this.ctx.chat.post({
        channel: batch.channel,
        key: scanKey(scanId),
        ...this.present.batch(batch, await this.batches.records(batch), this.now()),
      });
    } else {
      this.ctx.log.warn({ scan: scanId, service: batch.service }, 'no channel for new findings: set channels.default in inspectors.yml');
    }
    await this.publish(batch);
    for (const rec of recs) await this.findings.markAnnounced(rec.id);
  }

  /** A change of a batch's findings: re-render its post, say what changed in its thread, publish it. */
  private async changed(scanId: string, note: { key: string; text: string }): Promise<void> {
    const batch = await this.batches.bump(scanId);
    if (!batch) return;
    if (batch.channel) {
      await this.ctx.chat.update(scanKey(scanId), this.present.batch(batch, await this.batches.records(batch), this.now()));
      await this.ctx.chat.post({
        channel: batch.channel,
        threadKey: scanKey(scanId),
        key: `${scanKey(scanId)}-${note.key}`,
        text: note.text,
      });
    }
    await this.publish(batch);
  }

  private async publish(batch: ScanBatch): Promise<void> {
    await this.ctx.events.publish(EVENTS.findingsChanged, `${batch.id}-r${batch.rev}`, {
      scanId: batch.id,
      inspector: batch.inspector,
      env: batch.env,
      service: batch.service,
    });
  }

  private async legacyNote(rec: FindingRecord, now: number, key: string, text: string): Promise<void> {
    if (!rec.channel) return;
    await this.ctx.chat.update(findingKey(rec.id), this.present.finding(rec, now));
    await this.ctx.chat.post({ channel: rec.channel, threadKey: findingKey(rec.id), key: `${findingKey(rec.id)}-${key}`, text });
  }
}

function groupBy(recs: readonly FindingRecord[]): Map<string, FindingRecord[]> {
  const out = new Map<string, FindingRecord[]>();
  for (const r of recs) out.set(r.scan!, [...(out.get(r.scan!) ?? []), r]);
  return out;
}
