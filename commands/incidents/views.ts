import { z } from 'zod';
import type { Block } from '../../src/core/blocks.js';
import { anyone } from '../../src/core/commands/spec.js';
import { defineView, formList, formText, json } from '../../src/core/edges.js';
import type { ViewHandler } from '../../src/core/module.js';
import type { ModalView } from '../../src/core/ports/chat.js';
import { LEAD_POLICY } from '../../src/domain/incidents/authorize.js';
import { SEVERITIES, type IncidentsConfig, type Severity } from '../../src/domain/incidents/config.js';
import type { IncidentDeps } from '../../src/domain/incidents/deps.js';
import { parseFollowUps, resolveIncident } from '../../src/domain/incidents/resolve.js';
import type { IncidentService } from '../../src/domain/incidents/service.js';

export const DECLARE_VIEW = 'incident.declare';
export const RESOLVE_VIEW = 'incident.resolve';

/**
 * The two forms. Declare remembers where it was opened and its trigger (a resubmitted form
 * declares once); resolve remembers its incident. Services and severity are checked in the handler
 * against the configuration, with the title, so every field's error shows at once.
 */
export const DECLARE_FORM = defineView({
  id: DECLARE_VIEW,
  metadata: json(z.object({ channel: z.string().max(40).optional(), trigger: z.string().max(200).optional() })),
  values: z.object({ title: formText, severity: formText, services: formList, description: formText }),
});
export const RESOLVE_FORM = defineView({
  id: RESOLVE_VIEW,
  metadata: json(z.object({ id: z.string().regex(/^INC-\d+$/) })),
  values: z.object({ resolution: formText.refine((s) => s.length > 0, 'Say how it was resolved.'), followups: formText }),
});

const plain = (text: string) => ({ type: 'plain_text', text });
const option = (value: string, text = value) => ({ text: plain(text), value });

function input(blockId: string, label: string, element: Record<string, unknown>, optional = false): Block {
  return { type: 'input', block_id: blockId, label: plain(label), optional, element: { action_id: blockId, ...element } };
}

/** `/incident declare` without arguments: title, severity, services, description. */
export function declareModal(cfg: IncidentsConfig, meta: { channel: string; trigger: string }): ModalView {
  const services = Object.keys(cfg.services).sort();
  return DECLARE_FORM.modal({
    title: 'Declare an incident',
    submit: 'Declare',
    metadata: meta,
    blocks: [
      input('title', 'Title', { type: 'plain_text_input', max_length: 150, placeholder: plain('Checkout latency') }),
      input('severity', 'Severity', { type: 'static_select', options: SEVERITIES.map((s) => option(s)), initial_option: option('SEV3') }),
      ...(services.length
        ? [input('services', 'Affected services', { type: 'multi_static_select', options: services.map((s) => option(s)) }, true)]
        : []),
      input('description', 'What is happening', { type: 'plain_text_input', multiline: true, max_length: 2000 }, true),
    ],
  });
}

/** `/incident resolve` without a summary: the resolution and its follow-ups. */
export function resolveModal(incidentId: string, title: string): ModalView {
  return RESOLVE_FORM.modal({
    title: `Resolve ${incidentId}`.slice(0, 24),
    submit: 'Resolve',
    metadata: { id: incidentId },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `Resolving *${incidentId}*: ${title}` } },
      input('resolution', 'Resolution summary', { type: 'plain_text_input', multiline: true, max_length: 2000 }),
      input('followups', 'Follow-ups (one per line)', { type: 'plain_text_input', multiline: true, max_length: 3000 }, true),
    ],
  });
}

/** What the two forms do when submitted. */
export function incidentViews(d: IncidentDeps, svc: IncidentService): ViewHandler[] {
  return [
    DECLARE_FORM.handler({
      permission: anyone('every member may declare an incident'),
      async handle(ctx) {
        const { title, services, description } = ctx.values;
        const severity = ctx.values.severity as Severity;
        const errors: Record<string, string> = {};
        if (!title) errors.title = 'Give the incident a title.';
        if (!SEVERITIES.includes(severity)) errors.severity = `Pick one of ${SEVERITIES.join(', ')}.`;
        const unknown = services.filter((s) => !d.cfg.services[s]);
        if (unknown.length) errors.services = `Unknown: ${unknown.join(', ')}`;
        if (Object.keys(errors).length) return { errors };
        const { incident, created } = await svc.declare({
          title,
          severity,
          services,
          ...(description ? { description } : {}),
          source: 'slack',
          declaredBy: ctx.actor.userId,
          // The trigger that opened the modal: a resubmitted form declares once.
          dedupe: { source: 'slack', key: ctx.metadata.trigger ?? ctx.viewId },
        });
        await ctx.respond({
          text: created
            ? `Declared ${incident.id} (${incident.severity}): ${incident.title}. Its channel is being set up.`
            : `${incident.id} was already declared from this form.`,
        });
      },
    }),
    RESOLVE_FORM.handler({
      permission: LEAD_POLICY,
      async handle(ctx) {
        await resolveIncident(d, svc, ctx.metadata.id, ctx.values.resolution, parseFollowUps(ctx.values.followups), ctx.actor);
      },
    }),
  ];
}
