import type { MessageContent } from '../../core/message-types.js';
import type { DeliveryReport } from './service.js';

/** What the metrics capability shows; commands/metrics/render.ts says how it looks in Slack. */
export interface MetricsPresenter {
  /** The answer to `/switchyard metrics`; with `failures`, the failed changes behind the rate. */
  report(r: DeliveryReport, opts: { failures: boolean }): MessageContent;
  /** The weekly digest posted to a team channel. */
  digest(r: DeliveryReport): MessageContent;
}
