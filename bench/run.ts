import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { meetsGoal, type Bench, type BenchResult } from './types.js';

/**
 * `npm run bench`: runs every bench/<area>.ts that exports `bench` (or the ones named on the
 * command line) against the local Redis and the local Slack workspace, and prints each figure with
 * its same-run baseline and the ratio, and its goal (flagged MISSED when not met).
 * `npm run bench -- --json` prints one JSON document instead, to compare figures across commits.
 */
const here = dirname(fileURLToPath(import.meta.url));
const SKIP = new Set(['run.ts', 'types.ts', 'load.ts']);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const only = args.filter((a) => !a.startsWith('--'));
  const files = readdirSync(here).filter(
    (f) => f.endsWith('.ts') && !SKIP.has(f) && (!only.length || only.includes(f.replace(/\.ts$/, ''))),
  );
  let failed = false;
  const report: Record<string, BenchResult[] | { error: string }> = {};
  const out = (line: string) => {
    if (!json) process.stdout.write(line);
  };
  for (const file of files.sort()) {
    const mod = (await import(join(here, file))) as { bench?: Bench };
    if (!mod.bench) continue;
    const area = file.replace(/\.ts$/, '');
    out(`\n## ${area}\n`);
    try {
      const results = await mod.bench();
      report[area] = results;
      for (const r of results) out(`${format(r)}\n`);
    } catch (err) {
      failed = true;
      report[area] = { error: (err as Error).message };
      out(`FAILED: ${(err as Error).message}\n`);
    }
  }
  if (json) {
    const figures = Object.values(report).flatMap((r) => (Array.isArray(r) ? r : []));
    const summary = {
      at: new Date().toISOString(),
      node: process.version,
      missed: figures.filter((r) => !meetsGoal(r)).map((r) => r.name),
      areas: report,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  }
  process.exit(failed ? 1 : 0);
}

function format(r: BenchResult): string {
  const value = `${r.value} ${r.unit}`;
  const goal = r.goal ? ` | goal ${r.goal.op} ${r.goal.value}: ${meetsGoal(r) ? 'met' : 'MISSED'}` : '';
  const note = r.note ? ` (${r.note})` : '';
  if (!r.baseline) return `${r.name}: ${value}${goal}${note}`;
  const ratio = r.baseline.value ? (r.value / r.baseline.value).toFixed(2) : 'n/a';
  return `${r.name}: ${value} | ${r.baseline.name}: ${r.baseline.value} ${r.unit} | ratio ${ratio}x${goal}${note}`;
}

void main();
