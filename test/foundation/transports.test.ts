import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEW_REJECT } from '../../commands/approvals/views.js';
import { ACTION_APPROVE, ACTION_REJECT } from '../../commands/approvals/actions.js';
import { approvalModules, gateOf, hasButtons, openModalBy, press, startRun, waitCopies, waitRunStatus } from '../approvals/support.js';
import { BOT, startHarness, type Harness } from '../support/harness.js';

// The same core scenarios over both ways Slack reaches the bot: signed HTTP requests to
// POST /slack/events, and Socket Mode envelopes on the WebSocket the bot opened itself. The
// outcomes must not depend on the transport.
const APPROVERS = ['U0CAROL', 'U0DAVE'];

describe.each(['http', 'socket'] as const)('core scenarios over %s', (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: `transports-${transport}`, transport, modules: approvalModules('test/approvals/config/approvals.yml') });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reaches the bot by the transport under test', () => {
    if (transport === 'socket') {
      // One connection opened with the app token; the bot's HTTP port has no Slack endpoint, so
      // every scenario below can only have travelled over the socket.
      expect(h.slack.socketConnections).toBe(1);
      expect(h.slack.calls('apps.connections.open')).toHaveLength(1);
    } else {
      expect(h.slack.socketConnections).toBe(0);
      expect(h.slack.calls('apps.connections.open')).toHaveLength(0);
    }
  });

  it('answers a slash command', async () => {
    const res = await h.command('U0GRACE', 'C0GENERAL', '/switchyard help');
    expect(res.status).toBe(200);
    expect(res.text).toContain('/pipeline');
    expect(res.reply?.user).toBe('U0GRACE');
  });

  it('runs a pipeline to staging', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run gated-release --env staging');
    const run = await waitRunStatus(h, id, 'succeeded');
    expect(run.stages.map((s) => `${s.id}:${s.status}`)).toEqual(['build:succeeded', 'approve:skipped', 'deploy:succeeded']);
  });

  it('passes a production gate approved by two buttons', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run gated-release --env production');
    const c = await waitCopies(h, id, APPROVERS, /^Approval needed/);
    expect(await press(h, 'U0CAROL', c.dms.U0CAROL!, ACTION_APPROVE)).toContain('1 of 2, 1 more needed');
    await press(h, 'U0DAVE', c.dms.U0DAVE!, ACTION_APPROVE);
    const run = await waitRunStatus(h, id, 'succeeded');
    expect(run.stages.find((s) => s.id === 'approve')?.details).toMatchObject({ decision: 'approved' });
    const done = await waitCopies(h, id, APPROVERS, /^Approval approved/);
    expect(hasButtons(done.channel)).toBe(false);
  });

  it('keeps a modal open with its validation error, then takes the corrected submission', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run gated-release --env production');
    const c = await waitCopies(h, id, APPROVERS, /^Approval needed/);
    const viewId = await openModalBy(h, 'U0CAROL', c.channel!, ACTION_REJECT, VIEW_REJECT);
    const empty = await h.slack.submitView({ user: 'U0CAROL', viewId, values: { reason: { reason: '   ' } } });
    expect(empty.json).toMatchObject({ response_action: 'errors' });
    expect(JSON.stringify(empty.json)).toContain('Give a reason');
    expect(h.slack.view(viewId)?.open).toBe(true);
    expect((await gateOf(h, id)).status).toBe('pending');
    await h.slack.submitView({ user: 'U0CAROL', viewId, values: { reason: { reason: 'Not during the sale' } } });
    const failed = await waitRunStatus(h, id, 'failed');
    expect(failed.stages.find((s) => s.id === 'approve')?.summary).toContain('Not during the sale');
    expect(h.slack.view(viewId)?.open).toBe(false);
  });

  it('answers an app_mention event in its thread', async () => {
    const mention = await h.slack.appMention('U0GRACE', 'C0GENERAL', 'hello?');
    expect(mention.status).toBe(200);
    const reply = await h.slack.waitFor(() =>
      h.slack.messages('C0GENERAL', { threadTs: mention.ts }).find((m) => m.user === BOT.botUserId),
    );
    expect(reply.text).toContain('/switchyard help');
  });
});

describe('Socket Mode connection refresh and restart', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'transports-refresh', transport: 'socket' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reconnects when Slack asks for a refresh, and keeps answering on the new connection', { timeout: 30_000 }, async () => {
    h.slack.refreshSocketMode();
    // Bolt's client closes the old connection and asks apps.connections.open for a new URL.
    await h.slack.waitFor(() => h.slack.calls('apps.connections.open').length === 2 && h.slack.socketConnections === 1, {
      timeoutMs: 20_000,
      message: 'the bot never reconnected after the refresh',
    });
    const res = await h.command('U0GRACE', 'C0GENERAL', '/switchyard help');
    expect(res.text).toContain('/switchyard');
  });

  it('closes its connection when stopped and opens a new one when started again', async () => {
    const opened = h.slack.calls('apps.connections.open').length;
    await h.restart(); // the harness waits for the old connection to close
    expect(h.slack.socketConnections).toBe(1);
    expect(h.slack.calls('apps.connections.open')).toHaveLength(opened + 1);
    const res = await h.command('U0GRACE', 'C0GENERAL', '/switchyard help');
    expect(res.text).toContain('/switchyard');
  });
});
