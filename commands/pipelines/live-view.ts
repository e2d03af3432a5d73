import { actions, context, escapeMrkdwn, md, mention, type Block, type MessageContent } from '../../src/core/blocks.js';
import { formatDuration } from '../../src/core/time.js';
import type { LiveEntry } from '../../src/domain/pipelines/live.js';
import type { ManualLock } from '../../src/domain/pipelines/manual-lock.js';
import type { RunDoc } from '../../src/domain/pipelines/model.js';
import { ROLLBACK_LIVE } from './actions.js';

/** `/pipeline live`: per service and environment, what runs there, since when, by whom, and a Roll back button. */

const at = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function build(r: RunDoc): string {
  const params = Object.entries(r.params).filter(([k]) => k !== 'plan');
  const shown = params.slice(0, 3).map(([k, v]) => `${k}=\`${escapeMrkdwn(v.slice(0, 60))}\``);
  return `\`${escapeMrkdwn(r.ref)}\`${shown.length ? ` (${shown.join(', ')})` : ''}`;
}

function entryBlocks(e: LiveEntry, lock: ManualLock | undefined, now: number): Block[] {
  const locked = lock ? ` · :lock: locked by ${mention(lock.by)}` : '';
  if (!e.live) return [md(`*${e.service}* → *${e.env}*: nothing deployed yet${locked}`)];
  const r = e.live;
  const done = r.finishedAt ?? r.createdAt;
  const how = r.rollbackOf ? ` · rollback of ${r.rollbackOf}` : r.promotedFrom ? ` · promoted from ${r.promotedFrom}` : '';
  const blocks: Block[] = [
    md(
      `*${e.service}* → *${e.env}*: ${build(r)} · run *${r.id}* (${r.pipeline}) · ` +
        `deployed ${at(done)} (${formatDuration(Math.max(0, now - done))} ago) by ${mention(r.triggeredBy)}${how}${locked}`,
    ),
  ];
  const prev = e.previous;
  if (!prev) {
    blocks.push(context('No earlier good deploy of another build to roll back to.'));
    return blocks;
  }
  blocks.push(
    actions(
      [
        ROLLBACK_LIVE.button({
          text: `Roll back to ${prev.ref.slice(0, 40)}`,
          value: { live: r.id, to: prev.id },
          style: 'danger',
          confirm: {
            title: `Roll back ${e.env}?`,
            text:
              `Deploys ${e.service} to ${e.env} again at ${prev.ref.slice(0, 80)} (as run ${prev.id} did, ` +
              `${at(prev.finishedAt ?? prev.createdAt)}), replacing ${r.ref.slice(0, 80)} from run ${r.id}.`,
            confirm: 'Roll back',
            deny: 'Keep it',
          },
        }),
      ],
      `live-${e.service}-${e.env}`,
    ),
  );
  return blocks;
}

export function renderLive(entries: LiveEntry[], locks: ManualLock[], now: number, service?: string): MessageContent {
  const title = `*What is live where${service ? ` · ${service}` : ''}*`;
  if (!entries.length) return { text: 'No pipelines are defined (workflows/*.yml).', blocks: [md('No pipelines are defined.')] };
  const lockOf = (e: LiveEntry) => locks.find((l) => l.service === e.service && l.env === e.env);
  // Slack keeps 50 blocks per message: two per environment, so at most 24 of them.
  const shown = entries.slice(0, 24);
  const blocks: Block[] = [md(title), ...shown.flatMap((e) => entryBlocks(e, lockOf(e), now))];
  if (entries.length > shown.length) blocks.push(context(`…and ${entries.length - shown.length} more: name a service.`));
  const text = [
    title,
    ...entries.map((e) => `${e.service} → ${e.env}: ${e.live ? `${e.live.ref} (${e.live.id})` : 'nothing deployed yet'}`),
  ].join('\n');
  return { text, blocks };
}
