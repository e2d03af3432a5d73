import { context, escapeMrkdwn, header, link, md, mention, type MessageContent, sections } from '../../src/core/blocks.js';
import { DAY_MS, type Iteration, type PlanItem, type PlanLink } from '../../src/domain/plan/model.js';
import type { PlanPresenter } from '../../src/domain/plan/presenter.js';
import type { IterationSummary } from '../../src/domain/plan/summary.js';
import type { DoraReport } from '../../src/domain/metrics/dora.js';
import { formatDuration } from '../../src/core/time.js';

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

// ---------------------------------------------------------------- iteration summary
const line = (i: PlanItem) => `*${i.id}* ${escapeMrkdwn(i.title)}`;

function listed(title: string, items: string[], max = 15): string {
  if (!items.length) return '';
  const more = items.length > max ? `\n…and ${items.length - max} more` : '';
  return `*${title}*\n${items
    .slice(0, max)
    .map((t) => `• ${t}`)
    .join('\n')}${more}`;
}

export function renderSummary(s: IterationSummary, closedBy: string): MessageContent {
  const c = s.counts;
  const tally =
    `Done: *${c.done}* · Shipped: *${c.shipped}* · Rolled over: *${c.rolledOver}* · ` +
    `Dropped: *${c.dropped}* · Incidents: *${c.incidents}*`;
  const text =
    `${s.iteration.name} closed. Done ${c.done}, shipped ${c.shipped}, ` +
    `rolled over ${c.rolledOver} to ${s.next.name}, dropped ${c.dropped}, incidents ${c.incidents}.`;
  const lists = [
    listed(
      'Shipped',
      s.shipped.map(
        (i) =>
          `${line(i)} — run \`${i.shipped!.runId}\`` +
          `${i.shipped!.pipeline ? ` (${escapeMrkdwn(i.shipped!.pipeline)} → ${i.shipped!.env})` : ` (${i.shipped!.env})`}`,
      ),
    ),
    listed('Done, not shipped by a run', s.done.filter((i) => !i.shipped).map(line)),
    listed(
      `Rolled over to ${s.next.name}`,
      s.rolled.map((i) => `${line(i)} (${i.state}${i.owner ? `, ${mention(i.owner)}` : ''})`),
    ),
    listed(
      'Dropped',
      s.dropped.map((i) => `${line(i)}${i.dropReason ? ` — ${escapeMrkdwn(i.dropReason)}` : ''}`),
    ),
    listed(
      'Incidents that hit the iteration',
      s.incidents.map(
        (i) =>
          `\`${i.id}\`${i.severity ? ` ${i.severity}` : ''}` +
          `${i.title ? ` ${escapeMrkdwn(i.title)}` : ''}${i.status ? ` (${i.status})` : ''}`,
      ),
    ),
  ].filter(Boolean);
  return {
    text,
    blocks: [
      header(`${s.iteration.name} closed`),
      md(tally),
      ...lists.map((t) => md(t)),
      ...(s.delivery ? [md(deliveryLine(s.delivery))] : []),
      context(
        `${formatDate(s.iteration.startAt)} – ${formatDate(s.iteration.closedAt ?? s.iteration.endAt)} · ` +
          `closed by ${mention(closedBy)} · now current: *${escapeMrkdwn(s.next.name)}* until ${formatDate(s.next.endAt)}`,
      ),
    ],
  };
}

/** The iteration's four keys in one line (the organisation's; `/switchyard metrics` has the detail). */
export function deliveryLine(r: DoraReport): string {
  const band = (b: string | null) => (b ? ` (${b})` : ' (no data)');
  const dur = (ms: number | null) => (ms === null ? '–' : formatDuration(ms));
  const rate = r.changeFailure.rate === null ? '–' : `${Math.round(r.changeFailure.rate * 100)} %`;
  return (
    `*Delivery this iteration:* ${r.deploys} production deploys${band(r.frequencyBand)} · ` +
    `lead time ${dur(r.leadTime.medianMs)}${band(r.leadTime.band)} · change failure ${rate}${band(r.changeFailure.band)} · ` +
    `time to restore ${dur(r.restore.medianMs)}${band(r.restore.band)}`
  );
}

/** A change as the team channel shows it, crediting who made it. */
export function changeContent(what: string, actor: string): MessageContent {
  const text = `${what} (${mention(actor)})`;
  return { text, blocks: [md(text)] };
}

/** The DM to an item's new owner. */
export function assignedContent(item: PlanItem, actor: string): MessageContent {
  const text =
    `:bust_in_silhouette: ${mention(actor)} assigned you *${item.id}* ${escapeMrkdwn(item.title)}` +
    `${item.service ? ` (\`${escapeMrkdwn(item.service)}\`)` : ''}, ${item.state}. \`/plan show ${item.id}\``;
  return { text, blocks: [md(text)] };
}

/** Planning's presenter port (src/domain/plan/presenter.ts), as Slack shows it. */
export const planPresenter: PlanPresenter = { change: changeContent, assigned: assignedContent, iterationSummary: renderSummary };
