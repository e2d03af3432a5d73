import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { button } from '../../src/core/blocks.js';
import { commandHelp } from '../../src/core/commands/help.js';
import { CommandRouter } from '../../src/core/commands/router.js';
import { anyone, defineCommand, policy, sub, type SubcommandSpec } from '../../src/core/commands/spec.js';
import { InteractionRouter } from '../../src/core/interactions.js';
import type { ActionHandler, ViewHandler } from '../../src/core/module.js';
import type { RunInfo } from '../../src/domain/contracts.js';
import { gateButtons } from '../../commands/approvals/render.js';
import type { Gate } from '../../src/domain/approvals/gate.js';
import { renderSummary } from '../../commands/incidents/render.js';
import type { Incident } from '../../src/domain/incidents/model.js';
import { gateContent } from '../../commands/inspect/render.js';
import type { RunDoc } from '../../src/domain/pipelines/model.js';
import { renderRun } from '../../commands/pipelines/render.js';

const handle = async () => undefined;
const routerDeps = {} as ConstructorParameters<typeof CommandRouter>[1]; // the constructor only checks specs

describe('a state change cannot be declared without a permission', () => {
  it('is a type error to leave it out or null unless readOnly', () => {
    // @ts-expect-error a subcommand that changes state must declare who may use it
    const missing = { name: 'wipe', summary: 'x', args: z.object({}), handle } satisfies SubcommandSpec;
    // @ts-expect-error null ("anyone") is no longer a declaration for a state change
    const open = { name: 'wipe', summary: 'x', args: z.object({}), permission: null, handle } satisfies SubcommandSpec;
    // @ts-expect-error a button that changes state must declare who may press it
    const press: ActionHandler = { actionId: 'x.wipe', permission: null, handle };
    // @ts-expect-error a modal that changes state must declare who may submit it
    const form: ViewHandler = { callbackId: 'x.form', handle };
    // These are fine: a role, a domain policy, a deliberate anyone, and read-only entries.
    const fine: SubcommandSpec[] = [
      sub({ name: 'a', summary: 'x', args: z.object({}), permission: 'deployer', handle }),
      sub({ name: 'b', summary: 'x', args: z.object({}), permission: policy('the owner of the thing'), handle }),
      sub({ name: 'c', summary: 'x', args: z.object({}), permission: anyone('every member may'), handle }),
      sub({ name: 'd', summary: 'x', args: z.object({}), permission: null, readOnly: true, handle }),
      sub({ name: 'e', summary: 'x', args: z.object({}), readOnly: true, handle }),
    ];
    expect([missing, open, press, form, fine.length]).toHaveLength(5);
  });

  it('refuses at registration what the type would refuse, for JavaScript callers and casts', () => {
    const bad = { name: 'wipe', summary: 'x', args: z.object({}), permission: null, handle } as unknown as SubcommandSpec;
    expect(() => defineCommand({ name: 'x', description: 'x', subcommands: [bad] })).toThrow(
      /\/x wipe changes state but declares no permission/,
    );
    // A subcommand added to a command after defineCommand (extendCommands) is caught by the router.
    const spec = defineCommand({ name: 'y', description: 'y', subcommands: [] });
    spec.subcommands.push(bad);
    expect(() => new CommandRouter([spec], routerDeps)).toThrow(/\/y wipe changes state/);
    const action = { actionId: 'x.wipe', handle } as unknown as ActionHandler;
    expect(() => new InteractionRouter({ actions: [action], views: [], shortcuts: [] }, routerDeps)).toThrow(/button x.wipe changes state/);
    const view = { callbackId: 'x.form', permission: { policy: 42 }, handle } as unknown as ViewHandler;
    expect(() => new InteractionRouter({ actions: [], views: [view], shortcuts: [] }, routerDeps)).toThrow(/modal x.form changes state/);
    const readOnly = { actionId: 'x.look', readOnly: true, handle } as unknown as ActionHandler;
    expect(() => new InteractionRouter({ actions: [readOnly], views: [], shortcuts: [] }, routerDeps)).not.toThrow();
  });

  it('says in help who may use a subcommand', () => {
    const spec = defineCommand({
      name: 'z',
      description: 'z',
      subcommands: [
        sub({ name: 'deploy', summary: 'x', args: z.object({}), permission: 'deployer', handle }),
        sub({ name: 'ack', summary: 'x', args: z.object({}), permission: policy("the incident's commander"), handle }),
        sub({ name: 'add', summary: 'x', args: z.object({}), permission: anyone('every member'), handle }),
      ],
    });
    const text = commandHelp(spec).text;
    expect(text).toContain('needs the `deployer` role');
    expect(text).toContain("the incident's commander");
  });
});

describe('destructive buttons ask first', () => {
  const run: RunInfo = {
    id: 'r7',
    pipeline: 'checkout-deploy',
    service: 'checkout',
    teamChannel: 'C0CHECKOUT',
    env: 'production',
    ref: 'v1.2.3',
    params: {},
    triggeredBy: 'U0BOB',
    channel: 'C0DEPLOYS',
    status: 'succeeded',
    createdAt: 1,
    startedAt: 1,
    finishedAt: 2,
    messageKey: 'run-r7',
    stages: [],
  };
  type Element = { action_id?: string; text?: { text: string }; confirm?: Record<string, { text: string } | string> };
  const elements = (blocks: unknown[] | undefined): Element[] =>
    (blocks ?? []).flatMap((b) => {
      const x = b as { elements?: Element[]; accessory?: Element };
      return [...(x.elements ?? []), ...(x.accessory ? [x.accessory] : [])];
    });
  const confirmOf = (els: Element[], label: string) => els.find((e) => e.text?.text === label)?.confirm;

  it('renders a Slack confirm dialog object from ButtonSpec.confirm', () => {
    expect(
      button({ text: 'Cancel', actionId: 'a', style: 'danger', confirm: { title: 'Sure?', text: 'It stops.', confirm: 'Stop it' } }),
    ).toMatchObject({
      confirm: {
        title: { type: 'plain_text', text: 'Sure?' },
        text: { type: 'plain_text', text: 'It stops.' },
        confirm: { type: 'plain_text', text: 'Stop it' },
        deny: { type: 'plain_text', text: 'Cancel' },
        style: 'danger',
      },
    });
    expect(button({ text: 'Approve', actionId: 'b' })).not.toHaveProperty('confirm');
  });

  it('puts one on Cancel, Roll back, Resolve, Reject, Override and Fail run, and none on Approve or Acknowledge', () => {
    const doc = { ...run, status: 'running', stages: [{ id: 'deploy', kind: 'shell', status: 'running' }] } as unknown as RunDoc;
    expect(confirmOf(elements(renderRun(doc, 3).blocks), 'Cancel')).toMatchObject({ title: { text: 'Cancel run r7?' } });

    const inc = {
      id: 'INC-3',
      title: 'Down',
      severity: 'SEV2',
      status: 'investigating',
      services: ['checkout'],
      declaredBy: 'U0ERIN',
      declaredAt: 1,
      roles: {},
      tickets: [],
    } as unknown as Incident;
    const summary = elements(renderSummary(inc, [run]).blocks);
    expect(confirmOf(summary, 'Roll back')).toMatchObject({ title: { text: 'Roll back this deployment?' } });
    expect(confirmOf(summary, 'Resolve')).toMatchObject({ title: { text: 'Resolve INC-3?' } });
    expect(confirmOf(summary, 'Acknowledge')).toBeUndefined();

    const gate = elements([{ type: 'actions', elements: gateButtons({ id: 'r7-approve' } as Gate).map(button) }]);
    expect(confirmOf(gate, 'Reject')).toMatchObject({ title: { text: 'Reject this request?' } });
    expect(confirmOf(gate, 'Approve')).toBeUndefined();

    const inspection = elements(gateContent('r7', 'scan', { status: 'waiting' }).blocks);
    expect(confirmOf(inspection, 'Override…')).toMatchObject({ title: { text: 'Override this inspection?' } });
    expect(confirmOf(inspection, 'Fail run')).toMatchObject({ title: { text: 'Fail this run?' } });
  });
});
