import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isSwitchyardError, PermanentJobError } from '../../core/errors.js';
import type { AppContext } from '../../core/module.js';
import { defineJob, jobProcessor, type JobProcessor } from '../../core/ports/jobs.js';
import { servicesOf } from '../services.js';
import { driftSeverities } from './config.js';
import { detectDrift, lastDeployed, type Deployed, type RunningVersion } from './drift.js';
import type { Announcer } from './announce.js';
import type { FindingStore, ObservedFinding } from './finding-store.js';
import type { InspectionHealth } from './health.js';
import { ReportError } from './report-error.js';
import { readInventory, runScan, scanThreshold, type RunnerDeps } from './runner.js';
import { severityRank, type Severity } from './types.js';

/**
 * Scheduled (and on-demand) inspections of what runs in an environment: drift against the last
 * deploys, and a scan of each running version. Findings are folded into the store by fingerprint;
 * the new ones of one service are announced together in one post in the owning team's channel
 * (announce.ts), a vanished one is marked fixed on that same post. An inventory or scanner that
 * cannot run is told to its channel once, and again when it recovers (health.ts).
 */
export const JOB_LANDING = 'inspect.landing';
const LOCK_SLACK_MS = 60_000;

const landingRequest = z.object({
  env: z.string(),
  inspectors: z.array(z.string()),
  service: z.string().optional(),
  requestedBy: z.string().optional(),
  channel: z.string().optional(),
});
export type LandingRequest = z.infer<typeof landingRequest>;
/** Enqueued by `/inspect run` and by the schedules, processed by landingProcessor. */
export const LANDING_JOB = defineJob(JOB_LANDING, landingRequest);

interface Observation {
  observed: ObservedFinding[];
  covered: Set<string>;
  problems: string[];
}

export class LandingZone {
  constructor(
    private readonly ctx: AppContext,
    private readonly deps: RunnerDeps,
    private readonly findings: FindingStore,
    private readonly announcer: Announcer,
    private readonly health: InspectionHealth,
  ) {}

  private async deployed(env: string): Promise<Map<string, Deployed>> {
    const pipelines = servicesOf(this.ctx).maybe('pipelines');
    if (!pipelines) return new Map();
    return lastDeployed(await pipelines.recentRuns({ env, limit: 500 }), env);
  }

  private channelFor(service: string, deployed: Map<string, Deployed>): string | undefined {
    const ch = this.deps.config.file.channels;
    return ch.services[service] ?? deployed.get(service)?.teamChannel ?? ch.default;
  }

  /** Inventory trouble goes to the default channel: it is no one service's. */
  private inventorySubject(env: string) {
    const channel = this.deps.config.file.channels.default;
    const cmd = this.deps.config.file.inventory?.command[0];
    return { parts: [env, 'inventory'], label: `the inventory of ${env}${cmd ? ` (\`${cmd}\`)` : ''}`, ...(channel ? { channel } : {}) };
  }

  private async observeDrift(
    name: string,
    req: LandingRequest,
    running: RunningVersion[],
    deployed: Map<string, Deployed>,
  ): Promise<Observation> {
    const def = this.deps.config.file.inspectors[name];
    if (def?.type !== 'drift') throw new PermanentJobError(`${name} is not a drift inspector`);
    if (!servicesOf(this.ctx).maybe('pipelines'))
      throw new PermanentJobError('drift needs the pipelines capability (what Switchyard deployed)');
    const found = detectDrift(deployed, running, {
      env: req.env,
      ...(req.service ? { service: req.service } : {}),
      severities: driftSeverities(def),
    });
    const covered = new Set([...running.map((r) => r.service), ...deployed.keys()].filter((s) => !req.service || s === req.service));
    const observed = found.map((f) => ({
      ...f,
      ...(this.channelFor(f.service, deployed) ? { channel: this.channelFor(f.service, deployed)! } : {}),
    }));
    return { observed, covered, problems: [] };
  }

  private async observeScan(
    name: string,
    req: LandingRequest,
    running: RunningVersion[],
    deployed: Map<string, Deployed>,
  ): Promise<Observation> {
    const def = this.deps.config.file.inspectors[name];
    if (def?.type !== 'scan') throw new PermanentJobError(`${name} is not a scan inspector`);
    const threshold = scanThreshold(this.deps.config, def, req.env);
    // Only what the environment's threshold would warn or fail on becomes a tracked finding.
    const floor = threshold.warn ?? threshold.fail;
    const out: Observation = { observed: [], covered: new Set(), problems: [] };
    for (const r of running.filter((x) => !req.service || x.service === req.service)) {
      const result = await runScan(this.deps, name, def, { service: r.service, env: req.env, ref: r.version });
      const channel = this.channelFor(r.service, deployed);
      const subject = {
        parts: [req.env, name, r.service],
        label: `the ${name} scan of ${r.service} ${r.version} in ${req.env}`,
        ...(channel ? { channel } : {}),
      };
      if (result.findings.some((f) => f.id === 'scanner-failed' || f.id === 'report-invalid')) {
        out.problems.push(`${r.service} ${r.version}: ${result.findings[0]!.title}`);
        await this.health.failed(subject, result.findings[0]!.title);
        continue;
      }
      await this.health.ok(subject);
      out.covered.add(r.service);
      for (const f of result.findings) {
        if (floor && severityRank(f.severity) >= severityRank(floor as Severity))
          out.observed.push({ service: r.service, finding: f, ...(channel ? { channel } : {}) });
      }
    }
    return out;
  }

  /** One inspection of one environment; returns a line per inspector for whoever asked. */
  async inspect(req: LandingRequest): Promise<string[]> {
    let running: RunningVersion[];
    try {
      running = await readInventory(this.deps, req.env);
    } catch (err) {
      if (!(err instanceof ReportError || isSwitchyardError(err))) throw err;
      // Nothing is marked fixed when the inventory is unknown: a broken command must not close findings.
      this.ctx.log.warn({ env: req.env, err: (err as Error).message }, 'inventory failed');
      await this.health.failed(this.inventorySubject(req.env), (err as Error).message);
      return [`inventory of ${req.env} failed: ${(err as Error).message}; nothing inspected`];
    }
    await this.health.ok(this.inventorySubject(req.env));
    const deployed = await this.deployed(req.env);
    const lines: string[] = [];
    for (const name of req.inspectors) {
      const def = this.deps.config.file.inspectors[name];
      if (!def) {
        lines.push(`${name}: no such inspector`);
        continue;
      }
      const lockKey = this.ctx.store.key('inspect', 'lz-lock', req.env, name);
      const owner = randomBytes(6).toString('hex');
      const ttl = (def.type === 'scan' ? def.timeout * Math.max(1, running.length) : 0) + LOCK_SLACK_MS;
      if (!(await this.ctx.store.claim(lockKey, ttl, owner))) {
        lines.push(`${name}: an inspection of ${req.env} is already running; skipped`);
        continue;
      }
      try {
        const obs =
          def.type === 'drift'
            ? await this.observeDrift(name, req, running, deployed)
            : await this.observeScan(name, req, running, deployed);
        const result = await this.findings.reconcile(
          { inspector: name, env: req.env, covered: obs.covered },
          obs.observed,
          this.deps.now(),
        );
        await this.announcer.reconciled(name, result);
        lines.push(
          `${name} in ${req.env}: ${result.opened.length} new, ${result.reopened.length} back, ` +
            `${result.seen.length} still open, ${result.fixed.length} fixed (${obs.covered.size} service(s) covered)` +
            `${obs.problems.length ? `; not covered: ${obs.problems.join('; ')}` : ''}`,
        );
      } catch (err) {
        if (!(err instanceof PermanentJobError)) throw err;
        lines.push(`${name} in ${req.env}: ${err.message}`);
      } finally {
        await this.ctx.store.release(lockKey, owner);
      }
    }
    return lines;
  }
}

export function landingProcessor(ctx: AppContext, lz: LandingZone): JobProcessor {
  return jobProcessor(LANDING_JOB, {
    attempts: 3,
    backoffMs: 2000,
    async process(req) {
      const lines = await lz.inspect(req);
      if (req.requestedBy && req.channel) {
        await ctx.chat.ephemeral(req.channel, req.requestedBy, {
          text: [`*Inspection of ${req.env}${req.service ? ` (${req.service})` : ''}*`, ...lines.map((l) => `• ${l}`)].join('\n'),
        });
      }
      return lines;
    },
  });
}
