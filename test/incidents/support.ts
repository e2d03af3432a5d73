import { randomBytes } from 'node:crypto';
import { incidentsModuleWith } from '../../src/app/wire-incidents.js';
import type { ModuleFactory } from '../../src/core/module.js';
import { loadIncidentsConfig, SEVERITIES, type IncidentsConfig, type Severity } from '../../src/domain/incidents/config.js';
import type { Incident, TimelineEntry } from '../../src/domain/incidents/model.js';
import { IncidentRepo } from '../../src/domain/incidents/repo.js';
import { FakeHelpdesk } from '../fakes/helpdesk.js';
import { startHarness, type Harness } from '../support/harness.js';

/** The shipped config/incidents.yml with test timers (ms) per severity. */
export function testConfig(timers: Partial<Record<Severity, { reminderMs: number; ackMs: number }>> = {}): IncidentsConfig {
  const cfg = loadIncidentsConfig('config/incidents.yml');
  const out = { ...cfg, timers: { ...cfg.timers } };
  for (const s of SEVERITIES) {
    const t = timers[s];
    if (t) out.timers[s] = { update_reminder: t.reminderMs, acknowledge_timeout: t.ackMs };
    else out.timers[s] = { update_reminder: 3_600_000, acknowledge_timeout: 3_600_000 };
  }
  return out;
}

export interface IncidentsHarness {
  h: Harness;
  helpdesk: FakeHelpdesk;
  secrets: { alertmanager: string; helpdeskIn: string; helpdeskOut: string };
  repo(): IncidentRepo;
  incident(id: string): Promise<Incident>;
  timeline(id: string): Promise<TimelineEntry[]>;
  /** Waits until the channel is created, topic set, responders invited and the summary pinned. */
  ready(id: string): Promise<Incident>;
  hook(path: string): string;
  close(): Promise<void>;
}

export async function startIncidents(
  name: string,
  o: { config?: IncidentsConfig; extraModules?: ModuleFactory[]; env?: Record<string, string> } = {},
): Promise<IncidentsHarness> {
  const secrets = {
    alertmanager: randomBytes(16).toString('hex'),
    helpdeskIn: randomBytes(16).toString('hex'),
    helpdeskOut: randomBytes(16).toString('hex'),
  };
  const helpdesk = await new FakeHelpdesk(secrets.helpdeskOut).start();
  const h = await startHarness({
    name,
    modules: [...(o.extraModules ?? []), incidentsModuleWith({ config: o.config ?? testConfig() })],
    env: {
      ALERTMANAGER_TOKEN: secrets.alertmanager,
      HELPDESK_SECRET: secrets.helpdeskIn,
      HELPDESK_WEBHOOK_URL: helpdesk.url,
      HELPDESK_WEBHOOK_SECRET: secrets.helpdeskOut,
      ...o.env,
    },
  });
  const repo = () => new IncidentRepo(h.app.ctx.store);
  const ih: IncidentsHarness = {
    h,
    helpdesk,
    secrets,
    repo,
    async incident(id) {
      const inc = await repo().get(id);
      if (!inc) throw new Error(`no incident ${id}`);
      return inc;
    },
    timeline: (id) => repo().timeline(id),
    async ready(id) {
      let inc: Incident | null = null;
      const deadline = Date.now() + 15_000;
      for (;;) {
        inc = await repo().get(id);
        if (inc?.setup.ready && inc.channel && h.slack.pins(inc.channel).length) return inc;
        if (Date.now() > deadline) throw new Error(`${id} not ready: ${JSON.stringify(inc?.setup)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    hook: (path) => `http://127.0.0.1:${h.app.port()}${path}`,
    async close() {
      await h.close();
      await helpdesk.close();
    },
  };
  return ih;
}

export function incidentIdIn(text: string): string {
  const m = /INC-\d+/.exec(text);
  if (!m) throw new Error(`no incident id in: ${text}`);
  return m[0];
}
