import { randomUUID } from 'node:crypto';
import { type Block, channelLink, clip, context, escapeMrkdwn, md, mention, link as linkTo } from '../../src/core/blocks.js';
import { z } from 'zod';
import { anyone } from '../../src/core/commands/spec.js';
import { defineShortcut, defineView, formText, text } from '../../src/core/edges.js';
import { UsageError } from '../../src/core/errors.js';
import type { ShortcutHandler, ViewHandler } from '../../src/core/module.js';
import type { ChatViews } from '../../src/core/ports/chat.js';
import { KINDS, messagePermalink, parseKind, parseService, type PlanKind } from '../../src/domain/plan/model.js';
import type { PlanAnnouncer } from '../../src/domain/plan/announce.js';
import type { MessageDraft, PlanRepo } from '../../src/domain/plan/repo.js';
import type { PlanService } from '../../src/domain/plan/service.js';

/** Callback id of the "Add to plan" message shortcut (manifest.yml) and of its modal. */
export const ADD_FROM_MESSAGE = 'plan.add_from_message';
/** The modal's metadata is the id of the draft kept in Redis; its inputs are checked in the handler, together. */
const ADD_FORM = defineView({
  id: ADD_FROM_MESSAGE,
  metadata: text(z.string().uuid(), 'form'),
  values: z.object({ title: formText, kind: formText, service: formText }),
});

const option = (value: string) => ({ text: { type: 'plain_text', text: value }, value });

function modalBlocks(title: string, kind: PlanKind, quote: string): Block[] {
  return [
    {
      type: 'input',
      block_id: 'title',
      label: { type: 'plain_text', text: 'Title' },
      element: { type: 'plain_text_input', action_id: 'value', max_length: 150, initial_value: title },
    },
    {
      type: 'input',
      block_id: 'kind',
      label: { type: 'plain_text', text: 'Kind' },
      element: { type: 'static_select', action_id: 'value', options: KINDS.map(option), initial_option: option(kind) },
    },
    {
      type: 'input',
      block_id: 'service',
      optional: true,
      label: { type: 'plain_text', text: 'Service' },
      element: { type: 'plain_text_input', action_id: 'value', placeholder: { type: 'plain_text', text: 'e.g. checkout' } },
    },
    context(`The item quotes the message and links back to it:\n${quote}`),
  ];
}

/** First line of the message, without mrkdwn noise, as a starting title. */
function suggestedTitle(text: string): string {
  const first = (text.split('\n').find((l) => l.trim()) ?? '')
    .replace(/<[^|>]+\|([^>]+)>/g, '$1')
    .replace(/[<>*_~`]/g, '')
    .trim();
  return clip(first || 'Follow up on a Slack message', 150);
}

function quoteOf(d: MessageDraft): string {
  const body = clip(d.text, 2500)
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  return `${body}\n— ${d.author ? `${mention(d.author)}` : 'someone'} in ${channelLink(d.channel)} (${messagePermalink(d.channel, d.ts)})`;
}

/** "Add to plan" on any message: a modal to adjust title, kind and service, then a new item. */
export function addFromMessage(deps: { plan: PlanService; repo: PlanRepo; chat: ChatViews; announce?: PlanAnnouncer }): {
  shortcut: ShortcutHandler;
  view: ViewHandler;
} {
  const shortcut = defineShortcut({
    id: ADD_FROM_MESSAGE,
    permission: anyone('every member may add an item; the form only opens'),
    async handle(ctx) {
      if (!ctx.triggerId) throw new UsageError('Slack did not send a trigger id; try the shortcut again.');
      // The message text waits in Redis (a day) rather than in private_metadata, which is capped at 3000 characters.
      const draftId = randomUUID();
      const draft: MessageDraft = {
        channel: ctx.channelId,
        ts: ctx.message.ts,
        text: ctx.message.text,
        ...(ctx.message.user ? { author: ctx.message.user } : {}),
      };
      await deps.repo.putDraft(draftId, draft);
      const preview = clip(escapeMrkdwn(ctx.message.text), 300)
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n');
      await deps.chat.openModal(
        ctx.triggerId,
        ADD_FORM.modal({
          title: 'Add to plan',
          submit: 'Add',
          blocks: modalBlocks(suggestedTitle(ctx.message.text), 'feature', preview),
          metadata: draftId,
        }),
      );
    },
  });

  const view = ADD_FORM.handler({
    permission: anyone('every member may add an item'),
    async handle(ctx) {
      const draft = await deps.repo.getDraft(ctx.metadata);
      if (!draft) throw new UsageError('This form is more than a day old; use "Add to plan" on the message again.');
      const errors: Record<string, string> = {};
      const title = ctx.values.title;
      if (!title) errors.title = 'Give the item a title.';
      let kind: PlanKind = 'feature';
      let service: string | undefined;
      try {
        kind = parseKind(ctx.values.kind || 'feature');
      } catch {
        errors.kind = `Choose one of: ${KINDS.join(', ')}.`;
      }
      const typedService = ctx.values.service;
      try {
        if (typedService) service = parseService(typedService);
      } catch {
        errors.service = 'Lowercase letters, digits, - and _ only.';
      }
      if (Object.keys(errors).length) return { errors };
      const link = messagePermalink(draft.channel, draft.ts);
      const item = await deps.plan.create({
        title,
        kind,
        ...(service ? { service } : {}),
        owner: ctx.actor.userId,
        createdBy: ctx.actor.userId,
        description: quoteOf(draft),
        links: [`message:${link}`],
        // One item per submitted form, even if Slack delivers the submission twice.
        sourceKey: `shortcut-${ctx.viewId}`,
      });
      // The team sees it where the message was (or in its service's channel), like `/plan add`.
      await deps.announce?.changed(
        item,
        draft.channel,
        ctx.actor.userId,
        `:clipboard: New plan item *${item.id}* ${escapeMrkdwn(item.title)} — ${item.kind} · ${item.state}` +
          `${item.service ? ` · \`${escapeMrkdwn(item.service)}\`` : ''}`,
      );
      await ctx.respond({
        text: `Added *${item.id}* ${escapeMrkdwn(item.title)} to the plan (backlog), from ${linkTo(link, 'this message')}.`,
        blocks: [
          md(`:clipboard: Added *${item.id}* ${escapeMrkdwn(item.title)} to the plan (backlog), from ${linkTo(link, 'this message')}.`),
        ],
      });
    },
  });
  return { shortcut, view };
}
