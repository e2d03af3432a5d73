import { describe, expect, it } from 'vitest';
import { formatText, renderBlocks } from '../../src/local-slack/index.js';
import type { RenderedButton, RenderedInput } from '../../src/local-slack/index.js';

const users: Record<string, string> = { U0CAROL: 'carol', U0BOB: 'bob' };
const opts = { resolveUser: (id: string) => users[id], resolveChannel: (id: string) => (id === 'C0DEPLOYS' ? 'deploys' : undefined) };

describe('renderBlocks', () => {
  it('renders a message with header, fields, context, divider and numbered buttons', () => {
    const buttons: RenderedButton[] = [];
    const text = renderBlocks(
      [
        { type: 'header', text: { type: 'plain_text', text: 'Deploy request' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*checkout* v42 by <@U0BOB> in <#C0DEPLOYS>' },
          fields: [
            { type: 'mrkdwn', text: '*Env*\nprod' },
            { type: 'mrkdwn', text: '*Approvers*\n<!subteam^S0APPROVERS|@prod-approvers>' },
          ],
        },
        { type: 'divider' },
        {
          type: 'actions',
          block_id: 'd',
          elements: [
            { type: 'button', action_id: 'approve', value: 'r1', text: { type: 'plain_text', text: 'Approve' }, style: 'primary' },
            { type: 'button', action_id: 'reject', value: 'r1', text: { type: 'plain_text', text: 'Reject' } },
            { type: 'button', action_id: 'logs', url: 'https://ci.example.com/1', text: { type: 'plain_text', text: 'Logs' } },
          ],
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'requested by <@U0CAROL>' },
            { type: 'image', image_url: 'x', alt_text: 'avatar' },
          ],
        },
      ],
      { ...opts, buttons },
    );
    expect(text).toBe(
      [
        '== Deploy request ==',
        '*checkout* v42 by @bob in #deploys',
        '  *Env* prod',
        '  *Approvers* @prod-approvers',
        '────────────────────',
        '[1 Approve] [2 Reject] [3 Logs ↗]',
        '› requested by @carol  [image: avatar]',
      ].join('\n'),
    );
    expect(buttons).toEqual([
      { n: 1, blockId: 'd', actionId: 'approve', value: 'r1', text: 'Approve' },
      { n: 2, blockId: 'd', actionId: 'reject', value: 'r1', text: 'Reject' },
      { n: 3, blockId: 'd', actionId: 'logs', text: 'Logs', url: 'https://ci.example.com/1' },
    ]);
  });

  it('numbers buttons on from those already collected and renders accessories, inputs and indent', () => {
    const buttons: RenderedButton[] = [{ n: 1, blockId: 'x', actionId: 'x', text: 'X' }];
    const inputs: RenderedInput[] = [];
    const text = renderBlocks(
      [
        {
          type: 'section',
          block_id: 's',
          text: { type: 'plain_text', text: 'Rollback?' },
          accessory: { type: 'button', action_id: 'rb', text: { type: 'plain_text', text: 'Roll back' } },
        },
        {
          type: 'input',
          block_id: 'sev',
          label: { type: 'plain_text', text: 'Severity' },
          element: {
            type: 'static_select',
            action_id: 's',
            placeholder: { type: 'plain_text', text: 'Pick' },
            options: [
              { text: { type: 'plain_text', text: 'SEV1' }, value: 'sev1' },
              { text: { type: 'plain_text', text: 'SEV2' }, value: 'sev2' },
            ],
          },
        },
        {
          type: 'input',
          block_id: 'note',
          optional: true,
          label: { type: 'plain_text', text: 'Note' },
          element: { type: 'plain_text_input', action_id: 'n' },
        },
      ],
      { buttons, inputs, values: { 'note.n': 'hello' }, indent: '| ' },
    );
    expect(text).toBe(
      [
        '| Rollback?',
        '| [2 Roll back]',
        '| <1> Severity: [Pick ▾]',
        '|     options: 1) SEV1  2) SEV2',
        '| <2> Note (optional): hello',
      ].join('\n'),
    );
    expect(inputs.map((i) => [i.n, i.blockId, i.actionId, i.type])).toEqual([
      [1, 'sev', 's', 'static_select'],
      [2, 'note', 'n', 'plain_text_input'],
    ]);
    expect(buttons[1]).toMatchObject({ n: 2, actionId: 'rb', blockId: 's' });
  });

  it('renders buttons without numbers when not collecting, and rich text', () => {
    expect(
      renderBlocks([{ type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'Go' } }] }]),
    ).toBe('[Go]');
    const rich = {
      type: 'rich_text',
      elements: [
        {
          type: 'rich_text_section',
          elements: [
            { type: 'text', text: 'hi ' },
            { type: 'user', user_id: 'U0BOB' },
            { type: 'emoji', name: 'wave' },
          ],
        },
      ],
    };
    expect(renderBlocks([rich], opts)).toBe('hi @bob:wave:');
  });
});

describe('formatText', () => {
  it('makes Slack escapes readable and keeps mrkdwn markers', () => {
    expect(formatText('*a* _b_ <https://x.example|docs> <!here> &lt;ok&gt; <@U0CAROL|carol>', opts)).toBe(
      '*a* _b_ docs (https://x.example) @here <ok> @carol',
    );
  });
});
