import { z } from 'zod';
import type { Block } from '../../core/blocks.js';
import { defineView, formList, formText, json } from '../../core/edges.js';
import type { ModalView } from '../../core/ports/chat.js';
import { SEVERITIES, type IncidentsConfig } from './config.js';

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
