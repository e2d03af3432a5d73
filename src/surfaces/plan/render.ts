import { context, escapeMrkdwn, link, md, mention, type MessageContent, sections } from '../../core/blocks.js';
import { DAY_MS, type Iteration, type PlanItem, type PlanLink } from '../../domain/plan/model.js';

/** `2024-05-14` (UTC): iterations are whole days, and one format reads the same in every tz. */
export function formatDate(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

export function who(user: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(user) ? `${mention(user)}` : escapeMrkdwn(user);
}

/**
 * Days left counted in UTC calendar days, the days the line shows (start → end): a 7-day
 * iteration says 7 on its first day and 0 ("ends today") on its end date, whatever the time of
 * day or a few milliseconds between its creation and the answer.
 */
export function daysLeft(it: Pick<Iteration, 'endAt'>, now: number): number {
  return Math.floor(it.endAt / DAY_MS) - Math.floor(now / DAY_MS);
}

export function iterationLine(it: Iteration, now: number): string {
  const left = daysLeft(it, now);
  const when = it.closedAt
    ? `closed ${formatDate(it.closedAt)}`
    : left > 0
      ? `${left} day${left === 1 ? '' : 's'} left`
      : left === 0
        ? 'ends today'
        : `${-left} day${left === -1 ? '' : 's'} past its end`;
  return `*${escapeMrkdwn(it.name)}* (${formatDate(it.startAt)} → ${formatDate(it.endAt)}, ${when})`;
}

/** One line per item, used by list, the board and summaries. */
export function itemLine(i: PlanItem): string {
  const bits = [
    i.kind,
    i.state,
    i.service ? `\`${escapeMrkdwn(i.service)}\`` : '',
    i.owner ? `${mention(i.owner)}` : '_unassigned_',
    i.priority !== 'medium' ? i.priority : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const shipped = i.shipped ? ` :rocket: shipped by \`${i.shipped.runId}\`` : '';
  return `*${i.id}* ${escapeMrkdwn(i.title)} — ${bits}${shipped}`;
}

export function linkText(l: PlanLink): string {
  switch (l.type) {
    case 'run':
      return `run \`${escapeMrkdwn(l.ref)}\``;
    case 'incident':
      return `incident \`${escapeMrkdwn(l.ref)}\``;
    case 'finding':
      return `finding \`${escapeMrkdwn(l.ref)}\``;
    case 'message':
      return link(l.url ?? l.ref, 'Slack message');
    default:
      return link(l.ref);
  }
}

export function renderItem(i: PlanItem, iterationName: string | undefined): MessageContent {
  const lines = [
    itemLine(i),
    `Kind: ${i.kind} · State: *${i.state}* · Priority: ${i.priority} · ` +
      `Service: ${i.service ? `\`${escapeMrkdwn(i.service)}\`` : '—'} · Owner: ${i.owner ? `${mention(i.owner)}` : '—'}`,
    `Iteration: ${iterationName ? escapeMrkdwn(iterationName) : '— (backlog)'}`,
    ...(i.shipped
      ? [`Shipped to ${escapeMrkdwn(i.shipped.env)} by run \`${escapeMrkdwn(i.shipped.runId)}\` on ${formatDate(i.shipped.at)}`]
      : []),
    ...(i.dropReason ? [`Dropped: ${escapeMrkdwn(i.dropReason)}`] : []),
    ...(i.links.length ? [`Links: ${i.links.map(linkText).join(', ')}`] : []),
  ];
  const description = i.description ? `\n${safeText(i.description).replace(/^&gt; /gm, '> ')}` : '';
  const history = i.history.slice(-5).map((h) => `${formatDate(h.at)} ${who(h.actor)} ${safeText(h.text)}`);
  const text = `${lines.join('\n')}${description}`;
  return { text, blocks: [md(text), context(`Created by ${who(i.createdBy)} on ${formatDate(i.createdAt)}`, ...history)] };
}

export function renderList(items: PlanItem[], title: string, max = 40): MessageContent {
  if (!items.length) return { text: `${title}: no items.` };
  const shown = items.slice(0, max).map(itemLine);
  const more = items.length > max ? [`…and ${items.length - max} more; narrow it with --state, --service or --mine.`] : [];
  const lines = [`*${title}* (${items.length})`, ...shown, ...more];
  return { text: lines.join('\n').slice(0, 3000), blocks: sections(lines) };
}

/** Escaped user text, with user and channel mentions kept (they cannot ping a whole channel). */
function safeText(text: string): string {
  return escapeMrkdwn(text).replace(/&lt;([@#][UWC][A-Z0-9]+)(\|[^&]*)?&gt;/g, '<$1$2>');
}
