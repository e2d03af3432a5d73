import { channelLink, md, mention } from '../../core/blocks.js';
import { ConflictError, PermanentJobError } from '../../core/errors.js';
import type { JobProcessor } from '../../core/ports/jobs.js';
import { baseChannelName, channelNameCandidate } from './channel-name.js';
import { JOB, type IncidentDeps } from './deps.js';
import { recentDeploys } from './deploy.js';
import type { HelpdeskEvent } from './helpdesk-port.js';
import { isOpen, type Incident } from './model.js';
import { armEscalation, armReminder, describeTimer, escalationLevels, oncallOf, resolveResponders } from './notify.js';
import { purposeOf, renderSummary, summaryKey, topicOf } from './summary.js';

const MAX_NAME_ATTEMPTS = 30;

/**
 * The slow Slack work, as jobs. Each step is recorded on the incident before the next one, so a
 * retry (429, crash, restart) resumes where it stopped: one channel, one set of bookmarks.
 */
async function createChannel(d: IncidentDeps, inc: Incident): Promise<Incident> {
  const base = baseChannelName(inc.number, inc.declaredAt, inc.title);
  for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
    const name = channelNameCandidate(base, attempt);
    let created: { id: string; name: string };
    try {
      created = await d.ctx.chat.createChannel(name);
    } catch (err) {
      if (err instanceof ConflictError && err.message === 'name_taken') continue;
      throw err;
    }
    const res = await d.repo.update(inc.id, (cur) => (cur.channel ? null : { ...cur, channel: created.id, channelName: created.name }));
    const after = res?.after ?? (await d.repo.get(inc.id));
    if (!after) throw new PermanentJobError(`incident ${inc.id} vanished`);
    await d.repo.addTimeline(inc.id, { at: d.ctx.clock.now(), kind: 'channel', text: `Channel #${created.name} created` });
    return after;
  }
  throw new PermanentJobError(`no free channel name for ${inc.id} after ${MAX_NAME_ATTEMPTS} tries (${base}…)`);
}

async function record(d: IncidentDeps, id: string, fn: (cur: Incident) => Incident): Promise<Incident> {
  const res = await d.repo.update(id, fn);
  const inc = res?.after ?? (await d.repo.get(id));
  if (!inc) throw new PermanentJobError(`incident ${id} vanished`);
  return inc;
}

function setupProcessor(d: IncidentDeps): JobProcessor {
  return {
    name: JOB.setup,
    attempts: 12,
    backoffMs: 500,
    concurrency: 10,
    async process(data) {
      const id = String(data.id);
      let inc = await d.repo.get(id);
      if (!inc) return 'gone';
      if (!inc.channel) inc = await createChannel(d, inc);
      const channel = inc.channel!;
      const topic = topicOf(inc);
      if (inc.setup.topic !== topic) {
        await d.ctx.chat.setTopic(channel, topic);
        inc = await record(d, id, (c) => ({ ...c, setup: { ...c.setup, topic } }));
      }
      if (!inc.setup.purpose) {
        await d.ctx.chat.setPurpose(channel, purposeOf(inc));
        inc = await record(d, id, (c) => ({ ...c, setup: { ...c.setup, purpose: true } }));
      }
      for (const s of inc.services) {
        const cfg = d.cfg.services[s];
        const links = [...(cfg?.runbook ? [{ title: `Runbook: ${s}`, url: cfg.runbook }] : []), ...(cfg?.dashboards ?? [])];
        for (const l of links) {
          if (inc.setup.bookmarks?.includes(l.url)) continue;
          await d.ctx.chat.addBookmark(channel, l.title, l.url);
          inc = await record(d, id, (c) => ({ ...c, setup: { ...c.setup, bookmarks: [...(c.setup.bookmarks ?? []), l.url] } }));
        }
      }
      const wanted = new Set(await resolveResponders(d, oncallOf(d, inc.services)));
      for (const u of [inc.declaredBy, ...Object.values(inc.roles)]) if (u && /^[UW][A-Z0-9]+$/.test(u)) wanted.add(u);
      const missing = [...wanted].filter((u) => !inc!.setup.invited?.includes(u));
      if (missing.length) {
        await d.ctx.chat.invite(channel, missing);
        inc = await record(d, id, (c) => ({ ...c, setup: { ...c.setup, invited: [...new Set([...(c.setup.invited ?? []), ...missing])] } }));
        await d.repo.addTimelineOnce(id, 'joined-initial', { at: d.ctx.clock.now(), kind: 'join', text: `Responders invited: ${missing.map((u) => `${mention(u)}`).join(', ')}` });
      }
      if (!inc.setup.summaryPosted) {
        const rendered = inc.version;
        await d.ctx.chat.post({ channel, key: summaryKey(id), ...renderSummary(inc, await recentDeploys(d, inc)) });
        await d.ctx.chat.pin(summaryKey(id));
        inc = await record(d, id, (c) => ({ ...c, setup: { ...c.setup, summaryPosted: true, ready: true } }));
        // A change that landed while the summary was being posted skipped its refresh: catch up.
        if (inc.version !== rendered + 1) await d.ctx.chat.update(summaryKey(id), renderSummary(inc, await recentDeploys(d, inc)));
      }
      return 'ready';
    },
  };
}

function refreshProcessor(d: IncidentDeps): JobProcessor {
  return {
    name: JOB.refresh,
    attempts: 8,
    backoffMs: 500,
    async process(data) {
      const inc = await d.repo.get(String(data.id));
      if (!inc) return 'gone';
      if (!inc.setup.summaryPosted) return 'setup-pending'; // the set-up job renders the current state
      const topic = topicOf(inc);
      if (inc.channel && inc.setup.topic !== topic) {
        await d.ctx.chat.setTopic(inc.channel, topic);
        await d.repo.update(inc.id, (c) => ({ ...c, setup: { ...c.setup, topic } }));
      }
      await d.ctx.chat.update(summaryKey(inc.id), renderSummary(inc, await recentDeploys(d, inc)));
      return 'refreshed';
    },
  };
}

function remindProcessor(d: IncidentDeps): JobProcessor {
  return {
    name: JOB.remind,
    attempts: 5,
    async process(data) {
      const inc = await d.repo.get(String(data.id));
      if (!inc || !isOpen(inc) || Number(data.gen) !== inc.reminderGen) return 'stale';
      const every = describeTimer(d.cfg.timers[inc.severity].update_reminder);
      const who = inc.roles.commander ? `${mention(inc.roles.commander)}` : 'Responders';
      const text = `:bell: ${who}: no update on ${inc.id} for ${every}. Post one with \`/incident update "what we know"\`.`;
      if (inc.channel) await d.ctx.chat.post({ channel: inc.channel, key: `inc-${inc.id}-remind-${inc.reminderGen}`, text, blocks: [md(text)] });
      if (inc.roles.commander) await d.ctx.chat.post({ channel: inc.roles.commander, key: `inc-${inc.id}-remind-dm-${inc.reminderGen}`, text });
      await armReminder(d, inc.id);
      return 'reminded';
    },
  };
}

function escalateProcessor(d: IncidentDeps): JobProcessor {
  return {
    name: JOB.escalate,
    attempts: 8,
    backoffMs: 500,
    async process(data, ctx) {
      const level = Number(data.level);
      const inc = await d.repo.get(String(data.id));
      if (!inc || !isOpen(inc) || inc.ackedAt || inc.escalationLevel >= level) return 'not-needed';
      if (!inc.channel) return ctx.defer(500); // paging into a channel that does not exist yet helps nobody
      const levels = escalationLevels(d, inc);
      const responders = levels[level - 1];
      if (!responders) return 'no-more-levels';
      const users = await resolveResponders(d, responders);
      if (users.length) await d.ctx.chat.invite(inc.channel, users);
      const res = await d.repo.update(inc.id, (c) => (c.ackedAt || c.escalationLevel >= level ? null : { ...c, escalationLevel: level }));
      if (!res) return 'not-needed';
      const waited = describeTimer(d.cfg.timers[inc.severity].acknowledge_timeout);
      const names = users.map((u) => `${mention(u)}`).join(', ') || 'nobody (level is empty)';
      await d.repo.addTimeline(inc.id, { at: d.ctx.clock.now(), kind: 'escalation', text: `Escalated to level ${level}: ${names} (no acknowledgement within ${waited})` });
      const text = `:rotating_light: Nobody acknowledged ${inc.id} within ${waited}: escalation level ${level} paged: ${names}.`;
      await d.ctx.chat.post({ channel: inc.channel, key: `inc-${inc.id}-esc-${level}`, text, blocks: [md(text)] });
      for (const u of users) {
        await d.ctx.chat.post({ channel: u, key: `inc-${inc.id}-esc-${level}-${u}`, text: `:rotating_light: You are paged for ${inc.id} (${inc.severity}) ${inc.title}: join ${channelLink(inc.channel)} and press Acknowledge.` });
      }
      if (levels.length > level) await armEscalation(d, res.after, level + 1);
      return `escalated-${level}`;
    },
  };
}

function helpdeskProcessor(d: IncidentDeps): JobProcessor {
  return {
    name: JOB.helpdesk,
    attempts: 8,
    backoffMs: 1000,
    async process(data) {
      if (!d.helpdesk) return 'disabled';
      await d.helpdesk.send(data as unknown as HelpdeskEvent);
      return 'sent';
    },
  };
}

export function incidentJobs(d: IncidentDeps): JobProcessor[] {
  return [setupProcessor(d), refreshProcessor(d), remindProcessor(d), escalateProcessor(d), helpdeskProcessor(d)];
}
