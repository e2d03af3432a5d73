import { z } from 'zod';
import type { AppContext } from '../../core/module.js';
import type { StageContext, StageKind, StageOutcome } from '../contracts.js';
import { servicesOf } from '../services.js';
import { GateStore, outcomeOf } from './gate.js';
import type { InspectPresenter } from './presenter.js';
import { runPipelineInspector, type RunnerDeps } from './runner.js';
import { bySeverityDesc, countBySeverity, worst, type InspectorResult, type Verdict } from './types.js';

/**
 * The `inspect` stage kind: runs the named inspectors against the run, records every verdict and
 * its findings in the stage details, notes a compact verdict in the run's thread, and on a fail
 * leaves the stage waiting behind a gate with Override / Fail run buttons.
 */
export const NOTED_TTL_MS = 14 * 86_400_000;
/** Findings kept per inspector in the run's stage details (the run document stays small). */
const DETAIL_FINDINGS = 20;

export const gateMessageKey = (runId: string, stageId: string): string => `inspect-gate-${runId}-${stageId}`;

export function inspectSettingsSchema(config: Pick<RunnerDeps, 'config'>['config']) {
  const names = Object.keys(config.file.inspectors);
  const pipelineNames = names.filter((n) => config.file.inspectors[n]!.type !== 'drift');
  return z
    .object({
      inspectors: z
        .array(
          z.string().refine((n) => pipelineNames.includes(n), {
            message: `unknown or landing-zone-only inspector (pipeline inspectors in inspectors.yml: ${pipelineNames.join(', ')})`,
          }),
        )
        .min(1),
      /** Report files a build already wrote, by scan inspector name: read instead of running the scanner. */
      reports: z.record(z.string(), z.string()).optional(),
      /** What the scanners look at (an image reference); defaults to `<service>:<ref>`. */
      artifact: z.string().optional(),
    })
    .strict();
}

function summaryOf(verdict: Verdict, results: readonly InspectorResult[]): string {
  return `inspect ${verdict}: ${results.map((r) => `${r.inspector} ${r.verdict}`).join(', ')}`;
}

function detailsOf(verdict: Verdict, results: readonly InspectorResult[]): Record<string, unknown> {
  return {
    verdict,
    inspectors: results.map((r) => ({
      inspector: r.inspector,
      type: r.type,
      verdict: r.verdict,
      counts: countBySeverity(r.findings),
      findings: [...r.findings]
        .sort(bySeverityDesc)
        .slice(0, DETAIL_FINDINGS)
        .map(({ key: _k, ...f }) => f),
      ...(r.notes.length ? { notes: r.notes } : {}),
    })),
  };
}

export function inspectStageKind(
  ctx: AppContext,
  deps: RunnerDeps,
  gates: GateStore,
  present: Pick<InspectPresenter, 'verdictNote' | 'gate'>,
): StageKind {
  const schema = inspectSettingsSchema(deps.config);
  return {
    kind: 'inspect',
    settings: schema,
    attempts: 2,
    backoffMs: 1000,
    async run(sc: StageContext): Promise<StageOutcome> {
      const { run } = sc;
      const existing = await gates.get(run.id, sc.stage.id);
      if (existing?.status === 'waiting') return { status: 'waiting', summary: existing.summary };
      if (existing?.status === 'closed') return { status: 'failed', summary: `${existing.summary} · the run ended while it waited` };
      if (existing) return outcomeOf(existing);

      const settings = schema.parse(sc.settings);
      const services = servicesOf(ctx);
      const pipelines = services.get('pipelines');
      const incidents = services.maybe('incidents');
      const freezes = services.maybe('freezes');
      const results: InspectorResult[] = [];
      for (const name of settings.inspectors) {
        if (sc.signal.aborted) return { status: 'failed', summary: 'cancelled' };
        const r = await runPipelineInspector(deps, name, {
          run,
          stageId: sc.stage.id,
          reports: settings.reports ?? {},
          definition: pipelines.definition(run.pipeline),
          signal: sc.signal,
          ...(settings.artifact ? { artifact: settings.artifact } : {}),
          ...(incidents ? { incidents } : {}),
          ...(freezes ? { freezes } : {}),
        });
        await sc.log(`${r.inspector}: ${r.verdict} (${r.findings.length} finding(s))${r.notes.length ? ` · ${r.notes.join('; ')}` : ''}`);
        results.push(r);
      }
      // An abort during the last scan kills the scanner, which reads as a failure: an interrupted
      // attempt (cancel, shutdown, lost lease) must not note a verdict or open a gate for it.
      if (sc.signal.aborted) return { status: 'failed', summary: 'cancelled' };
      const verdict = results.reduce<Verdict>((v, r) => worst(v, r.verdict), 'pass');
      const summary = summaryOf(verdict, results);
      const details = detailsOf(verdict, results);

      // The thread note is claimed once per run and stage: a redelivered stage job does not repeat it.
      if (await ctx.store.claim(ctx.store.key('inspect', 'noted', run.id, sc.stage.id), NOTED_TTL_MS)) {
        await pipelines.noteOnRun(run.id, present.verdictNote(sc.stage.id, verdict, results));
      }
      if (verdict !== 'fail') return { status: 'succeeded', summary, details };

      await gates.open({ runId: run.id, stageId: sc.stage.id, status: 'waiting', verdict, summary, details, openedAt: ctx.clock.now() });
      await ctx.chat.post({
        channel: run.channel,
        threadKey: run.messageKey,
        key: gateMessageKey(run.id, sc.stage.id),
        ...present.gate(run.id, sc.stage.id, { status: 'waiting' }),
      });
      return { status: 'waiting', summary: `${summary} · waiting for an override` };
    },
  };
}
