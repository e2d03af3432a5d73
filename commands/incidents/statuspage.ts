import { z } from 'zod';
import { escapeMrkdwn } from '../../src/core/blocks.js';
import { arg, optional } from '../../src/core/commands/args.js';
import { sub, type SubcommandSpec } from '../../src/core/commands/spec.js';
import { COMPONENT_STATUSES } from '../../src/domain/statuspage/port.js';
import type { StatuspagePublisher } from '../../src/domain/statuspage/publisher.js';

/**
 * `/incident statuspage "message" [--component <service> --status <component status>] [--yes]`:
 * the comms role publishes or updates the customer-facing Statuspage incident. Added to
 * `/incident` by the statuspage module (extendCommands). Without `--yes` it only shows what would
 * be published: a slash command cannot open a confirmation dialog, and a re-typed command with
 * `--yes` needs no draft kept in Redis nor a button that could be pressed twice or by someone else.
 */
export function statuspageSubcommand(sp: StatuspagePublisher): SubcommandSpec {
  return sub({
    name: 'statuspage',
    summary: 'Publish or update the customer-facing status page incident (comms role; --yes to send)',
    args: z.object({
      message: z.array(z.string()).min(1).describe('what customers read (quote it)'),
      component: optional(z.string().min(1).max(80).describe('the service whose status page component changes')),
      status: optional(z.enum(COMPONENT_STATUSES).describe(`the component's status: ${COMPONENT_STATUSES.join(', ')}`)),
      title: optional(z.string().min(1).max(200).describe("the page incident's name; default: the incident's title")),
      id: optional(arg.incidentId("the incident (INC-42); defaults to this channel's")),
      yes: z.boolean().default(false).describe('publish; without it, shows what would be published'),
    }),
    positionals: ['message'],
    placeholders: { message: '"message"', component: 'service', status: 'status' },
    examples: ['/incident statuspage "Checkout is slow for some customers" --component checkout --status degraded_performance'],
    permission: 'comms',
    async handle(args, ctx) {
      const incident = await sp.incidentFor(args.id, ctx.channelId);
      const request = {
        incident,
        message: args.message.join(' ').slice(0, 4000),
        ...(args.title ? { title: args.title } : {}),
        ...(args.component ? { component: args.component } : {}),
        ...(args.status ? { componentStatus: args.status } : {}),
      };
      const draft = sp.draft(request);
      const update = await sp.isPublished(incident.id);
      const shown = [
        `*${update ? 'Update to' : 'New'} status page incident* for ${incident.id}: ${escapeMrkdwn(draft.name)} (${draft.status})`,
        draft.component ? `Component ${escapeMrkdwn(draft.component.service)}: ${draft.component.status.replace(/_/g, ' ')}` : '',
        `> ${escapeMrkdwn(draft.body).replace(/\n/g, '\n> ')}`,
      ].filter(Boolean);
      if (!args.yes) return { text: [...shown, 'Customers will read this. Run the same command with `--yes` to publish.'].join('\n') };
      await sp.publish({ ...request, actor: ctx.actor, requestId: ctx.requestId });
      const component = draft.component ? ` (${draft.component.service} ${draft.component.status})` : '';
      ctx.note?.({ target: incident.id, detail: `statuspage ${update ? 'update' : 'publish'} queued${component}` });
      return { text: [...shown, 'Sending to the status page; the incident timeline shows it once published.'].join('\n') };
    },
  });
}
