import { mention } from '../../core/outbound.js';
import { ConflictError, PermanentJobError, UpstreamError } from '../../core/errors.js';
import type { InviteResult } from '../../core/ports/chat.js';
import { jobProcessor, type JobProcessor } from '../../core/ports/jobs.js';
import { syncAnnouncements } from './announce.js';
import { baseChannelName, channelNameCandidate } from './channel-name.js';
import { type IncidentDeps } from './deps.js';
import { SETUP_JOB } from './job-defs.js';
import { recentDeploys } from './deploy.js';
import { inviteResponders, refusalText } from './invite.js';
import type { Incident } from './model.js';
import { needsFallback, oncallOf, resolveResponders } from './notify.js';
import { purposeOf, runbooksFor, summaryKey, topicOf } from './summary.js';
import { servicesOf } from '../services.js';

const MAX_NAME_ATTEMPTS = 30;

/**
 * The incident channel set-up, as a job. Each step is recorded on the incident before the next
 * one, so a retry (429, crash, restart) resumes where it stopped: one channel, one set of
 * bookmarks. Steps are of two kinds. Required ones (the channel, the pinned summary) are retried
 * while Slack's failure is transient and, once it is not (or retries run out), reported loudly in
 * the channel or to the declarer. Optional ones (topic, purpose, bookmarks, invites) that Slack
 * refuses for good (`missing_scope`, `not_in_channel`...) are skipped after one try, written on
 * the timeline and told once in the channel: retrying them would only stall the set-up.
 */

/** The Slack error code of a refusal retrying cannot fix; null when a retry may help. */
export function permanentCode(err: unknown): string | null {
  if (!(err instanceof UpstreamError) || err.retryable) return null;
  return /: ([a-z0-9_]+)$/.exec(err.message)?.[1] ?? 'refused';
}

export async function record(d: IncidentDeps, id: string, fn: (cur: Incident) => Incident | null): Promise<Incident> {
  const res = await d.repo.update(id, fn);
  const inc = res?.after ?? (await d.repo.get(id));
  if (!inc) throw new PermanentJobError(`incident ${id} vanished`);
  return inc;
}

const isSkipped = (inc: Incident, step: string) => Boolean(inc.setup.skipped?.some((s) => s.step === step));

/** Records an optional step Slack refused for good: on the incident (never retried) and the timeline. */
async function skip(d: IncidentDeps, id: string, step: string, error: string): Promise<void> {
  d.ctx.log.warn({ incident: id, step, error }, 'Slack refused an optional incident set-up step; skipped');
  await record(d, id, (c) =>
    isSkipped(c, step) ? null : { ...c, setup: { ...c.setup, skipped: [...(c.setup.skipped ?? []), { step, error }] } },
  );
  await d.repo.addTimelineOnce(id, `skipped-${step}`.slice(0, 120), {
    at: d.ctx.clock.now(),
    kind: 'setup',
    text: `Skipped: ${step} (Slack answered ${error})`,
  });
}

/** Runs an optional step; a permanent refusal is recorded (never retried) and reported as false. */
async function optional(d: IncidentDeps, id: string, step: string, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    const error = permanentCode(err);
    if (!error) throw err;
    await skip(d, id, step, error);
    return false;
  }
}

/** A required step failed for good: told in the channel, or to the declarer (or the announce channel). */
async function failLoudly(d: IncidentDeps, id: string, what: string, error: string): Promise<void> {
  const inc = await record(d, id, (c) => (c.setup.failed ? null : { ...c, setup: { ...c.setup, failed: `${what}: ${error}` } }));
  await d.repo.addTimelineOnce(id, 'setup-failed', {
    at: d.ctx.clock.now(),
    kind: 'setup',
    text: `Set-up stopped: could not ${what} (${error})`,
  });
  const text =
    `:warning: ${id} is declared, but Switchyard could not ${what} (Slack answered \`${error}\`). ` +
    `Responders were not gathered: fix the app's access, then \`/incident show ${id}\`.`;
  const target = inc.channel ?? (/^[UW][A-Z0-9]+$/.test(inc.declaredBy) ? inc.declaredBy : d.cfg.announce_channel);
  if (target) await d.ctx.chat.post({ channel: target, key: `inc-${id}-setup-failed`, ...d.presenter.note(text) });
  await syncAnnouncements(d, id);
}

async function createChannel(d: IncidentDeps, inc: Incident): Promise<Incident> {
  const base = baseChannelName(inc.number, inc.declaredAt, inc.title);
  for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
    const name = channelNameCandidate(base, attempt);
    let created: { id: string; name: string };
    try {
      created = await d.ctx.chat.createChannel(name);
    } catch (err) {
      if (err instanceof ConflictError && err.message === 'name_taken') continue;
      const error = permanentCode(err);
      if (error) {
        await failLoudly(d, inc.id, 'create the incident channel', error);
        throw new PermanentJobError(`conversations.create for ${inc.id}: ${error}`);
      }
      throw err;
    }
    const after = await record(d, inc.id, (cur) => (cur.channel ? null : { ...cur, channel: created.id, channelName: created.name }));
    await d.repo.addTimeline(inc.id, { at: d.ctx.clock.now(), kind: 'channel', text: `Channel #${created.name} created` });
    return after;
  }
  throw new PermanentJobError(`no free channel name for ${inc.id} after ${MAX_NAME_ATTEMPTS} tries (${base}…)`);
}

async function invite(d: IncidentDeps, inc: Incident): Promise<Incident> {
  const id = inc.id;
  // A paging tool's schedule (the paging module's `oncall` service) answers first; the YAML lists are the fallback.
  const scheduled = (await servicesOf(d.ctx).maybe('oncall')?.onCall(inc.services)) ?? { users: [] };
  const fallback = !scheduled.users.length && needsFallback(d, inc.services).oncall;
  const unresolved: Array<{ step: string; error: string }> = [];
  const listed = scheduled.users.length ? scheduled.users : await resolveResponders(d, oncallOf(d, inc.services), unresolved);
  const wanted = new Set(listed);
  if (scheduled.users.length)
    await d.repo.addTimelineOnce(id, 'oncall-scheduled', {
      at: d.ctx.clock.now(),
      kind: 'join',
      text: `On call per ${scheduled.source ?? 'the paging schedule'}: ${scheduled.users.map(mention).join(', ')}`,
    });
  for (const u of unresolved) await skip(d, id, u.step, u.error);
  if (fallback) {
    const who = inc.services.length ? `service ${inc.services.join(', ')}` : 'this incident (no known service)';
    const text = wanted.size
      ? `No on-call configured for ${who}: the fallback on-call is invited`
      : `No on-call configured for ${who}, and no fallback on-call: nobody invited`;
    await d.repo.addTimelineOnce(id, 'fallback-oncall', { at: d.ctx.clock.now(), kind: 'join', text });
  }
  for (const u of [inc.declaredBy, ...Object.values(inc.roles)]) if (u && /^[UW][A-Z0-9]+$/.test(u)) wanted.add(u);
  const missing = [...wanted].filter((u) => !inc.setup.invited?.includes(u) && !inc.setup.notInvited?.some((n) => n.user === u));
  if (!missing.length || isSkipped(inc, 'invite responders')) return inc;
  let res: InviteResult = { invited: [], failed: [] };
  await optional(d, id, 'invite responders', async () => void (res = await inviteResponders(d, inc, missing, 'initial')));
  const after = await record(d, id, (c) => ({
    ...c,
    setup: {
      ...c.setup,
      invited: [...new Set([...(c.setup.invited ?? []), ...res.invited])],
      notInvited: [...(c.setup.notInvited ?? []), ...res.failed.filter((f) => !c.setup.notInvited?.some((n) => n.user === f.user))],
    },
  }));
  if (res.invited.length)
    await d.repo.addTimelineOnce(id, 'joined-initial', {
      at: d.ctx.clock.now(),
      kind: 'join',
      text: `Responders invited: ${res.invited.map(mention).join(', ')}`,
    });
  return after;
}

/** One note in the channel listing what set-up skipped and whom it could not invite, kept current. */
async function noteGaps(d: IncidentDeps, inc: Incident): Promise<void> {
  const gaps = [
    ...(inc.setup.skipped ?? []).map((s) => `• Skipped ${s.step}: Slack answered \`${s.error}\``),
    ...(inc.setup.notInvited ?? []).map((n) => `• Could not invite ${refusalText(n)}`),
  ];
  const noted = inc.setup.noted ?? 0;
  if (!inc.channel || gaps.length <= noted) return;
  const text = `:warning: Set-up of ${inc.id} finished with gaps:\n${gaps.join('\n')}`;
  const key = `inc-${inc.id}-setup-gaps`;
  await d.ctx.chat.post({ channel: inc.channel, key, ...d.presenter.note(text) });
  if (noted) await d.ctx.chat.update(key, d.presenter.note(text));
  await record(d, inc.id, (c) => ((c.setup.noted ?? 0) >= gaps.length ? null : { ...c, setup: { ...c.setup, noted: gaps.length } }));
}

async function runSetup(d: IncidentDeps, id: string): Promise<string> {
  let inc = await d.repo.get(id);
  if (!inc) return 'gone';
  if (inc.setup.failed) return 'failed';
  if (!inc.channel) inc = await createChannel(d, inc);
  const channel = inc.channel!;
  const topic = topicOf(inc);
  if (inc.setup.topic !== topic && !isSkipped(inc, 'channel topic')) {
    if (await optional(d, id, 'channel topic', () => d.ctx.chat.setTopic(channel, topic)))
      inc = await record(d, id, (c) => ({ ...c, setup: { ...c.setup, topic } }));
  }
  if (!inc.setup.purpose && !isSkipped(inc, 'channel purpose')) {
    if (await optional(d, id, 'channel purpose', () => d.ctx.chat.setPurpose(channel, purposeOf(inc!))))
      inc = await record(d, id, (c) => ({ ...c, setup: { ...c.setup, purpose: true } }));
  }
  for (const s of inc.services) {
    const cfg = d.cfg.services[s];
    const links = [...(cfg?.runbook ? [{ title: `Runbook: ${s}`, url: cfg.runbook }] : []), ...(cfg?.dashboards ?? [])];
    for (const l of links) {
      const step = `bookmark "${l.title}"`;
      if (inc.setup.bookmarks?.includes(l.url) || isSkipped(inc, step)) continue;
      if (await optional(d, id, step, () => d.ctx.chat.addBookmark(channel, l.title, l.url))) {
        inc = await record(d, id, (c) => ({ ...c, setup: { ...c.setup, bookmarks: [...(c.setup.bookmarks ?? []), l.url] } }));
      }
    }
  }
  inc = await invite(d, (await d.repo.get(id)) ?? inc);
  if (!inc.setup.summaryPosted) {
    const rendered = inc.version;
    await d.ctx.chat.post({
      channel,
      key: summaryKey(id),
      ...d.presenter.summary(inc, await recentDeploys(d, inc), runbooksFor(servicesOf(d.ctx), inc)),
    });
    await d.ctx.chat.pin(summaryKey(id));
    await syncAnnouncements(d, id); // the announcements can link the channel now
    inc = await record(d, id, (c) => ({ ...c, setup: { ...c.setup, summaryPosted: true, ready: true } }));
    // A change that landed while the summary was being posted skipped its refresh: catch up.
    if (inc.version !== rendered + 1)
      await d.ctx.chat.update(summaryKey(id), d.presenter.summary(inc, await recentDeploys(d, inc), runbooksFor(servicesOf(d.ctx), inc)));
  }
  await noteGaps(d, inc);
  return 'ready';
}

export function setupProcessor(d: IncidentDeps): JobProcessor {
  return jobProcessor(SETUP_JOB, {
    attempts: 12,
    backoffMs: 500,
    concurrency: 10,
    async process(data, ctx) {
      const id = data.id;
      try {
        return await runSetup(d, id);
      } catch (err) {
        // Refused for good, or out of retries on a transient failure: loud, not a silent stall.
        const error = permanentCode(err);
        if (!(err instanceof PermanentJobError) && (error || ctx.attempt >= ctx.maxAttempts)) {
          await failLoudly(d, id, 'finish setting up the incident channel', error ?? (err as Error).message.slice(0, 200)).catch(
            () => undefined,
          );
        }
        throw err;
      }
    },
  });
}
