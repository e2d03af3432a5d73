import { alertmanagerPayload, fingerprint, sendAlertmanager } from '../test/fakes/alertmanager.js';
import { incidentIdIn, startIncidents, type IncidentsHarness } from '../test/incidents/support.js';
import { percentile } from './load.js';
import type { Bench, BenchResult } from './types.js';

/**
 * Incidents on the local workspace:
 * 1. `/incident declare` to a ready channel (created, topic set, responders invited, summary
 *    pinned), p50/p99 over a series of declarations one after another;
 * 2. an Alertmanager burst (GROUPS groups of ALERTS alerts, each group sent as two growing
 *    payloads, every delivery repeated twice) while Slack answers some calls with 429: it must end
 *    with exactly GROUPS incidents and every alert on its incident's timeline (asserted).
 */
const SERIES = Number(process.env.BENCH_INCIDENTS ?? 30);
const GROUPS = Number(process.env.BENCH_ALERT_GROUPS ?? 50);
const ALERTS = Number(process.env.BENCH_ALERTS_PER_GROUP ?? 10);
const IN_FLIGHT = 25;

async function declareSeries(ih: IncidentsHarness): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < SERIES; i++) {
    const started = performance.now();
    const res = await ih.h.command('U0ERIN', 'C0INCIDENTS', `/incident declare sev2 "Bench incident ${i}" --service checkout`);
    await ih.ready(incidentIdIn(res.text));
    out.push(performance.now() - started);
  }
  return out;
}

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function burst(ih: IncidentsHarness): Promise<{ ms: number; incidents: number; deliveries: number }> {
  const { h } = ih;
  const labels = (g: number, a: number) => ({
    alertname: `BenchAlert${g}`,
    service: g % 2 ? 'checkout' : 'payments',
    severity: 'warning',
    instance: `node-${a}`,
  });
  const groups = Array.from({ length: GROUPS }, (_, g) => {
    const alerts = Array.from({ length: ALERTS }, (_, a) => ({ labels: labels(g, a), annotations: { summary: `Bench group ${g}` } }));
    const groupLabels = { alertname: `BenchAlert${g}` };
    return [
      alertmanagerPayload({ groupLabels, alerts: alerts.slice(0, Math.ceil(ALERTS / 2)) }),
      alertmanagerPayload({ groupLabels, alerts }),
    ];
  });
  // Delivered, then redelivered twice, shuffled so duplicates race each other.
  const deliveries = [...groups.flat(), ...groups.flat(), ...groups.flat()].sort(() => Math.random() - 0.5);
  for (const m of ['conversations.create', 'conversations.setTopic', 'conversations.invite', 'chat.postMessage', 'pins.add'])
    h.slack.failNext(m, { status: 429, retryAfter: 1 }, 5);
  const started = performance.now();
  const url = ih.hook('/hooks/alertmanager');
  await pool(deliveries, IN_FLIGHT, async (p) => {
    const res = await sendAlertmanager(url, ih.secrets.alertmanager, p);
    if (res.status !== 200) throw new Error(`alertmanager delivery answered ${res.status}: ${JSON.stringify(res.body)}`);
  });
  const repo = ih.repo();
  const ids = (await repo.getMany(await repo.recentIds({ limit: 10_000 }))).filter((i) => i.source === 'alertmanager').map((i) => i.id);
  for (const id of ids) await ih.ready(id);
  const ms = performance.now() - started;
  if (ids.length !== GROUPS) throw new Error(`expected exactly ${GROUPS} incidents, got ${ids.length}`);
  for (let g = 0; g < GROUPS; g++) {
    const incident = (await repo.getMany(ids)).find((i) => i.alertGroupKey === String(groups[g]![0]!.groupKey));
    if (!incident) throw new Error(`no incident for group ${g}`);
    const timeline = (await repo.timeline(incident.id)).filter((e) => e.kind === 'alert');
    for (let a = 0; a < ALERTS; a++) {
      const fp = fingerprint(labels(g, a));
      const n = timeline.filter((e) => e.text.includes(`(${fp})`)).length;
      if (n !== 1) throw new Error(`alert ${fp} of group ${g} is on ${incident.id}'s timeline ${n} times`);
    }
  }
  return { ms, incidents: ids.length, deliveries: deliveries.length };
}

export const bench: Bench = async () => {
  const results: BenchResult[] = [];
  const a = await startIncidents('bench-inc-declare');
  try {
    const series = await declareSeries(a);
    results.push(
      {
        name: `declare to ready channel p50 (${SERIES} in a row)`,
        value: percentile(series, 50),
        unit: 'ms',
        note: 'created, topic, invites, pinned summary',
      },
      { name: `declare to ready channel p99 (${SERIES} in a row)`, value: percentile(series, 99), unit: 'ms' },
    );
  } finally {
    await a.close();
  }
  const b = await startIncidents('bench-inc-burst');
  try {
    const r = await burst(b);
    results.push({
      name: `Alertmanager burst: ${GROUPS * ALERTS} alerts in ${GROUPS} groups, ${r.deliveries} deliveries, 429s from Slack`,
      value: Math.round(r.ms),
      unit: 'ms',
      note: `asserted: exactly ${r.incidents} incidents, every alert once on its incident's timeline, every channel ready`,
    });
  } finally {
    await b.close();
  }
  return results;
};
