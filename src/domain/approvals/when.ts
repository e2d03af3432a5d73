import { slackDate } from '../../core/outbound.js';

/** `12:01 UTC`; Slack shows the reader's local time through the date token. */
export function when(at: number): string {
  const iso = new Date(at).toISOString();
  return slackDate(at, `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`);
}
