import { channelLink, mention } from '../../core/outbound.js';
import { PermanentJobError, UpstreamError } from '../../core/errors.js';
import { jobProcessor, type JobProcessor } from '../../core/ports/jobs.js';
import { syncAnnouncements } from './announce.js';
import type { IncidentDeps } from './deps.js';
import { recentDeploys } from './deploy.js';
import { HELPDESK_JOB } from './helpdesk-job.js';
import { ESCALATE_JOB, REFRESH_JOB, REMIND_JOB } from './job-defs.js';
import { inviteResponders } from './invite.js';
import { isOpen } from './model.js';
import { armEscalation, armReminder, describeTimer, escalationLevels, needsFallback, resolveResponders } from './notify.js';
import { permanentCode, setupProcessor } from './setup.js';
import { runbooksFor, summaryKey, topicOf } from './summary.js';
import { servicesOf } from '../services.js';

/** The slow Slack work, as jobs: set-up (setup.ts), refresh, reminders, escalation, help desk. */

function refreshProcessor(d: IncidentDeps): JobProcessor {
  return jobProcessor(REFRESH_JOB, {
    attempts: 8,
    backoffMs: 500,
    async process(data) {
      const inc = await d.repo.get(data.id);
      if (!inc) return 'gone';
      // Announcements follow every change, and reach a new severity's audiences, even mid set-up.
      await syncAnnouncements(d, inc.id);
      if (!inc.setup.summaryPosted) return 'setup-pending'; // the set-up job renders the current state
      const topic = topicOf(inc);
      if (inc.channel && inc.setup.topic !== topic) {
        try {
          await d.ctx.chat.setTopic(inc.channel, topic);
          await d.repo.update(inc.id, (c) => ({ ...c, setup: { ...c.setup, topic } }));
        } catch (err) {
          // The topic is a convenience: a refusal retrying cannot fix must not hold back the summary.
          const error = permanentCode(err);
          if (!error) throw err;
          d.ctx.log.warn({ incident: inc.id, error }, 'Slack refused the incident topic; the summary still shows the state');
        }
      }
      await d.ctx.chat.update(
        summaryKey(inc.id),
        d.presenter.summary(inc, await recentDeploys(d, inc), runbooksFor(servicesOf(d.ctx), inc)),
      );
      return 'refreshed';
    },
  });
}

function remindProcessor(d: IncidentDeps): JobProcessor {
  return jobProcessor(REMIND_JOB, {
    attempts: 5,
    async process(data) {
      const inc = await d.repo.get(data.id);
      if (!inc || !isOpen(inc) || data.gen !== inc.reminderGen) return 'stale';
      const every = describeTimer(d.cfg.timers[inc.severity].update_reminder);
      const who = inc.roles.commander ? `${mention(inc.roles.commander)}` : 'Responders';
      const text = `:bell: ${who}: no update on ${inc.id} for ${every}. Post one with \`/incident update "what we know"\`.`;
      if (inc.channel)
        await d.ctx.chat.post({ channel: inc.channel, key: `inc-${inc.id}-remind-${inc.reminderGen}`, ...d.presenter.note(text) });
      if (inc.roles.commander)
        await d.ctx.chat.post({ channel: inc.roles.commander, key: `inc-${inc.id}-remind-dm-${inc.reminderGen}`, text });
      await armReminder(d, inc.id);
      return 'reminded';
    },
  });
}

function escalateProcessor(d: IncidentDeps): JobProcessor {
  return jobProcessor(ESCALATE_JOB, {
    attempts: 8,
    backoffMs: 500,
    async process(data, ctx) {
      const level = data.level;
      const inc = await d.repo.get(data.id);
      if (!inc || !isOpen(inc) || inc.ackedAt || inc.escalationLevel >= level) return 'not-needed';
      // Paging into a channel that does not exist yet helps nobody; one that never will (set-up
      // failed) must not hold paging back: then people are paged by direct message only.
      if (!inc.channel && !inc.setup.failed) return ctx.defer(500);
      const levels = escalationLevels(d, inc);
      const responders = levels[level - 1];
      if (!responders) return 'no-more-levels';
      const unresolved: Array<{ step: string; error: string }> = [];
      const wanted = await resolveResponders(d, responders, unresolved);
      let users = wanted;
      let failed: Array<{ user: string; error: string }> = [];
      try {
        if (inc.channel) ({ invited: users, failed } = await inviteResponders(d, inc, wanted, `esc-${level}`));
      } catch (err) {
        // Paging matters more than the invite: a refusal retrying cannot fix still pages by DM.
        const error = permanentCode(err);
        if (!error) throw err;
        await d.repo.addTimelineOnce(inc.id, `esc-invite-${level}`, {
          at: d.ctx.clock.now(),
          kind: 'escalation',
          text: `Could not invite level ${level} into the channel (Slack answered ${error}); paged by direct message`,
        });
      }
      const res = await d.repo.update(inc.id, (c) => (c.ackedAt || c.escalationLevel >= level ? null : { ...c, escalationLevel: level }));
      if (!res) return 'not-needed';
      const waited = describeTimer(d.cfg.timers[inc.severity].acknowledge_timeout);
      const names = users.map(mention).join(', ') || (failed.length ? 'nobody (Slack refused every invite)' : 'nobody (level is empty)');
      const via = needsFallback(d, inc.services).escalation ? ' (fallback escalation: no escalation configured for the service)' : '';
      await d.repo.addTimeline(inc.id, {
        at: d.ctx.clock.now(),
        kind: 'escalation',
        text: `Escalated to level ${level}${via}: ${names} (no acknowledgement within ${waited})`,
      });
      const refused = failed.length ? ` Could not invite ${failed.map((f) => mention(f.user)).join(', ')} (see the timeline).` : '';
      const lost = unresolved.length ? ` Not looked up: ${unresolved.map((u) => `${u.step} (${u.error})`).join(', ')}.` : '';
      const text =
        `:rotating_light: Nobody acknowledged ${inc.id} within ${waited}: ` +
        `escalation level ${level} paged: ${names}${via}.${refused}${lost}`;
      if (inc.channel) await d.ctx.chat.post({ channel: inc.channel, key: `inc-${inc.id}-esc-${level}`, ...d.presenter.note(text) });
      const how = inc.channel
        ? `join ${channelLink(inc.channel)} and press Acknowledge`
        : `it has no channel (set-up failed): acknowledge with \`/incident ack --id ${inc.id}\``;
      for (const u of users) {
        await d.ctx.chat.post({
          channel: u,
          key: `inc-${inc.id}-esc-${level}-${u}`,
          text: `:rotating_light: You are paged for ${inc.id} (${inc.severity}) ${inc.title}: ${how}.`,
        });
      }
      if (levels.length > level) await armEscalation(d, res.after, level + 1);
      return `escalated-${level}`;
    },
  });
}

function helpdeskProcessor(d: IncidentDeps): JobProcessor {
  return jobProcessor(HELPDESK_JOB, {
    attempts: 8,
    backoffMs: 1000,
    async process(data) {
      if (!d.helpdesk) return 'disabled';
      await d.helpdesk.send(data);
      return 'sent';
    },
  });
}

/** A refusal retrying cannot fix (Slack's missing_scope, a help desk's 4xx) fails the job at once. */
function noFutileRetries(p: JobProcessor): JobProcessor {
  return {
    ...p,
    async process(data, ctx) {
      try {
        return await p.process(data, ctx);
      } catch (err) {
        if (err instanceof UpstreamError && !err.retryable) throw new PermanentJobError(err.message, { cause: err });
        throw err;
      }
    },
  };
}

export function incidentJobs(d: IncidentDeps): JobProcessor[] {
  return [setupProcessor(d), refreshProcessor(d), remindProcessor(d), escalateProcessor(d), helpdeskProcessor(d)].map(noFutileRetries);
}
