import type { Incident } from '../src/domain/incidents/model.js';
import type { RunDoc } from '../src/domain/pipelines/model.js';
import { RunRepo } from '../src/domain/pipelines/repo.js';
import { incidentIdIn, startIncidents, type IncidentsHarness } from '../test/incidents/support.js';
import { companionsModule, runIdOf, testPipelines, waitRunText } from '../test/pipelines/support.js';
import { percentile } from './load.js';
import type { Bench, BenchResult } from './types.js';

/**
 * Listings stay flat however much is stored (#14): `/pipeline history <name>` and `/incident list`
 * answered over the local workspace with 10 items stored, then with 100,000 (copies of a real run
 * and a real incident, written through the repos), p50 of SAMPLES answers each, side by side.
 * Goal: the p50 at 100,000 within 1.2x of the p50 at 10.
 */
const MANY = Number(process.env.BENCH_RETENTION_ITEMS ?? 100_000);
const FEW = 10;
const SAMPLES = Number(process.env.BENCH_RETENTION_SAMPLES ?? 30);
const IN_FLIGHT = 500;

async function pool(count: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

async function p50(ih: IncidentsHarness, user: string, channel: string, line: string, expect: RegExp): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    const res = await ih.h.command(user, channel, line);
    out.push(performance.now() - started);
    if (!expect.test(res.text)) throw new Error(`unexpected answer to ${line}: ${res.text.slice(0, 200)}`);
  }
  return percentile(out, 50);
}

/** Finished copies of `model` (new ids, same pipeline), as RunRepo writes a run and then ends it. */
async function seedRuns(repo: RunRepo, model: RunDoc, from: number, to: number): Promise<void> {
  await pool(to - from, async (i) => {
    const id = `rb${from + i}`;
    await repo.create({ ...model, id, messageKey: `bench-${id}`, createdAt: model.createdAt - (from + i) * 1000 });
    await repo.markFinished(id);
  });
}

/** Resolved copies of `model`: in the declaration index, not in the open set. */
async function seedIncidents(ih: IncidentsHarness, model: Incident, from: number, to: number): Promise<void> {
  const store = ih.h.app.ctx.store;
  await pool(to - from, async (i) => {
    const n = 100_000 + from + i;
    const id = `INC-${n}`;
    await ih.repo().create({ ...model, id, number: n, status: 'resolved', declaredAt: model.declaredAt - (from + i) * 1000 });
    await store.setRemove(store.key('incident', 'open'), id);
  });
}

export const bench: Bench = async () => {
  const ih = await startIncidents('bench-retention', { extraModules: [testPipelines(), companionsModule] });
  try {
    const run = runIdOf((await ih.h.command('U0BOB', 'C0DEPLOYS', '/pipeline run echo-params')).text);
    await waitRunText(ih.h, 'C0DEPLOYS', run, /: succeeded/);
    const inc = incidentIdIn(
      (await ih.h.command('U0ERIN', 'C0INCIDENTS', '/incident declare sev3 "Bench listing" --service checkout')).text,
    );
    await ih.ready(inc);
    const repo = new RunRepo(ih.h.app.ctx.store);
    const runModel = (await repo.get(run))!;
    const incModel = await ih.incident(inc);

    const history = () => p50(ih, 'U0BOB', 'C0DEPLOYS', '/pipeline history echo-params', /History of echo-params/);
    const list = () => p50(ih, 'U0ERIN', 'C0INCIDENTS', '/incident list', /Recent incidents/);
    await seedRuns(repo, runModel, 0, FEW - 1);
    await seedIncidents(ih, incModel, 0, FEW - 1);
    await history(); // warm-up: first answers pay for code loading, not for the data
    await list();
    const fewHistory = await history();
    const fewList = await list();
    await seedRuns(repo, runModel, FEW - 1, MANY - 1);
    await seedIncidents(ih, incModel, FEW - 1, MANY - 1);
    const manyHistory = await history();
    const manyList = await list();

    const figures = (what: string, few: number, many: number): BenchResult[] => [
      {
        name: `${what} p50 with ${MANY.toLocaleString('en-US')} stored`,
        value: many,
        unit: 'ms',
        baseline: { name: `with ${FEW} stored`, value: few },
      },
      {
        name: `${what} p50, ${MANY.toLocaleString('en-US')} stored vs ${FEW}`,
        value: Number((many / few).toFixed(2)),
        unit: 'x',
        goal: { op: '<=', value: 1.2 },
      },
    ];
    return [...figures('/pipeline history', fewHistory, manyHistory), ...figures('/incident list', fewList, manyList)];
  } finally {
    await ih.close();
  }
};
