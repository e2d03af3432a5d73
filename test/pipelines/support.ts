import { z } from 'zod';
import type { ModuleFactory } from '../../src/core/module.js';
import { EVENTS, type DeployGuard, type StageKind } from '../../src/domain/contracts.js';
import { DEPLOY_GUARDS, servicesOf, STAGE_KINDS } from '../../src/domain/services.js';
import { makePipelinesModule, type PipelinesWiring } from '../../src/app/wire-pipelines.js';
import type { Harness } from '../support/harness.js';

/** Short timers so restarts and lost workers are noticed within a test's patience. */
export function testPipelines(extra: PipelinesWiring = {}): ModuleFactory {
  return makePipelinesModule({
    workflowsDir: 'test/pipelines/workflows',
    leaseMs: 900,
    watchdogMs: 300,
    requeueAfterMs: 5000,
    pollMs: 40,
    ...extra,
  });
}

export const SECRET = 's3cr3t-deploy-token-42';
/** A webhook whose token is its path; nothing listens on port 9, so the call fails. */
export const HOOK_TOKEN = 'hookpathtoken99';
const HOOK_URL = `http://127.0.0.1:9/services/T0HOOK/B0HOOK/${HOOK_TOKEN}`;

/**
 * Test-only companions of the pipelines module: a `hold` stage kind that waits for a decision
 * (as an approval gate does), a deploy guard that refuses while a flag is set, an injection
 * resolver with one secret, and a recorder of run events.
 */
export const companionsModule: ModuleFactory = (ctx) => {
  const hold: StageKind = {
    kind: 'hold',
    settings: z.object({ reason: z.string() }).strict(),
    attempts: 1,
    async run(sctx) {
      return { status: 'waiting', summary: String(sctx.settings.reason) };
    },
  };
  const guard: DeployGuard = {
    name: 'test-freeze',
    async check(req) {
      const frozen = await ctx.store.getJson<string>(ctx.store.key('test', 'freeze', req.env));
      return frozen ? { allowed: false, reason: `Change freeze "${frozen}" on ${req.env}.`, overridable: true } : { allowed: true };
    },
  };
  servicesOf(ctx).add(STAGE_KINDS, hold);
  servicesOf(ctx).add(DEPLOY_GUARDS, guard);
  servicesOf(ctx).provide('injection', {
    async resolve(_service, _env, keys) {
      const values: Record<string, { value: string; secret: boolean }> = {
        deploy_token: { value: SECRET, secret: true },
        api_key: { value: 'ak-live-77889900', secret: true },
        region: { value: 'eu-west-1', secret: false },
        hook_url: { value: HOOK_URL, secret: true },
      };
      return Object.fromEntries(
        keys.map((k) => {
          const v = values[k];
          if (!v) throw new Error(`Unknown key \`${k}\``);
          return [k, { key: k, ...v, source: 'test', path: `demo/${k}`, version: 3 }];
        }),
      );
    },
  });
  return {
    name: 'pipeline-test-companions',
    subscriptions: [EVENTS.runStarted, EVENTS.runFinished].map((type) => ({
      name: `record-${type}`,
      type,
      handle: async (e) => {
        await ctx.store.listPush(ctx.store.key('test', 'events'), [JSON.stringify({ type: e.type, ...e.data })]);
      },
    })),
  };
};

export async function recordedEvents(h: Harness): Promise<Array<Record<string, unknown>>> {
  const s = h.app.ctx.store;
  return (await s.listRange(s.key('test', 'events'), 0, -1)).map((x) => JSON.parse(x) as Record<string, unknown>);
}

export const runIdOf = (text: string): string => {
  const m = /\*?(r\d+)\*? (?:of|is queued|retries)/.exec(text) ?? /Run \*(r\d+)\*/.exec(text);
  if (!m) throw new Error(`no run id in: ${text}`);
  return m[1]!;
};

/** The run's message in a channel (top level), found by its headline. */
export function runMessage(h: Harness, channel: string, runId: string) {
  return h.slack.messages(channel).find((m) => new RegExp(`^[\\w-]+ ${runId} → `).test(m.text));
}

export async function waitRunText(h: Harness, channel: string, runId: string, pattern: RegExp, timeoutMs = 15_000) {
  return h.slack.waitFor(
    () => {
      const m = runMessage(h, channel, runId);
      return m && pattern.test(m.text) ? m : undefined;
    },
    { timeoutMs, message: `run ${runId} message never matched ${pattern}: ${runMessage(h, channel, runId)?.text ?? '(no message)'}` },
  );
}

export function threadTexts(h: Harness, channel: string, runId: string): string[] {
  const root = runMessage(h, channel, runId);
  if (!root) return [];
  return h.slack
    .messages(channel, { threadTs: root.ts })
    .filter((m) => m.ts !== root.ts)
    .map((m) => m.text);
}
