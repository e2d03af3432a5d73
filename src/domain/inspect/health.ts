import type { AppContext } from '../../core/module.js';
import type { ChatMessages } from '../../core/ports/chat.js';
import { ABORT } from '../../core/ports/store.js';
import type { InspectPresenter } from './presenter.js';

/**
 * Whether each part of a landing-zone inspection can run: the inventory of an environment, a
 * scanner on a service. A part that stops working is told to its channel once, and once more when
 * it works again. The state lives in Redis, so several workers, job retries and restarts agree
 * on what was already said; posts are keyed by the outage, so a race posts once.
 */
export interface HealthSubject {
  /** Key parts: `[env, 'inventory']` or `[env, inspector, service]`. */
  parts: string[];
  /** What cannot run, for people: "the inventory of production". */
  label: string;
  channel?: string;
}

interface HealthRecord {
  state: 'failing' | 'ok';
  /** When the current state began. */
  since: number;
  /** When the outage that just ended began (state ok). */
  failedSince?: number;
  reason?: string;
  /** The channel was told about the current state. */
  told: boolean;
}

type Ctx = Pick<AppContext, 'store' | 'log'> & { chat: ChatMessages };

export class InspectionHealth {
  constructor(
    private readonly ctx: Ctx,
    private readonly now: () => number,
    private readonly present: Pick<InspectPresenter, 'cannotRun' | 'cannotRunEnded' | 'recovered'>,
  ) {}

  private key(s: HealthSubject): string {
    return this.ctx.store.key('inspect', 'health', ...s.parts);
  }

  private msgKey(s: HealthSubject, since: number): string {
    return `lz-down-${s.parts.join('-').replace(/[^A-Za-z0-9_-]/g, '_')}-${since}`;
  }

  /** This part could not run. Says so in its channel unless it already did for this outage. */
  async failed(s: HealthSubject, reason: string): Promise<void> {
    const now = this.now();
    const rec = await this.ctx.store.update<HealthRecord>(this.key(s), (cur) =>
      cur?.state === 'failing' ? ABORT : { state: 'failing', since: now, reason, told: false },
    );
    if (!rec || rec.told) return;
    if (!s.channel) {
      this.ctx.log.warn(
        { subject: s.parts.join('/'), reason },
        'a landing-zone inspection cannot run and there is no channel to tell: set channels.default in inspectors.yml',
      );
    } else {
      const content = this.present.cannotRun(s.label, rec.reason ?? reason);
      await this.ctx.chat.post({ channel: s.channel, key: this.msgKey(s, rec.since), ...content });
    }
    await this.markTold(s, 'failing', rec.since);
  }

  /** This part ran. If it was failing, says in its channel that it recovered. */
  async ok(s: HealthSubject): Promise<void> {
    const now = this.now();
    const rec = await this.ctx.store.update<HealthRecord>(this.key(s), (cur) =>
      cur?.state === 'failing'
        ? { state: 'ok', since: now, failedSince: cur.since, ...(cur.reason ? { reason: cur.reason } : {}), told: false }
        : ABORT,
    );
    if (!rec || rec.state !== 'ok' || rec.told || rec.failedSince === undefined) return;
    if (s.channel) {
      const down = this.msgKey(s, rec.failedSince);
      await this.ctx.chat.update(down, this.present.cannotRunEnded(s.label, rec.since - rec.failedSince));
      await this.ctx.chat.post({ channel: s.channel, key: `${down}-recovered`, ...this.present.recovered(s.label) });
    }
    await this.markTold(s, 'ok', rec.since);
  }

  private async markTold(s: HealthSubject, state: HealthRecord['state'], since: number): Promise<void> {
    await this.ctx.store.update<HealthRecord>(this.key(s), (cur) =>
      cur && cur.state === state && cur.since === since && !cur.told ? { ...cur, told: true } : ABORT,
    );
  }
}
