import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchResult } from './types.js';

/**
 * `npm run bench`: runs every bench/<area>.ts that exports `bench` (or the ones named on the
 * command line) against the local Redis and the local Slack workspace, and prints each figure with
 * its same-run baseline and the ratio.
 */
const here = dirname(fileURLToPath(import.meta.url));
const SKIP = new Set(['run.ts', 'types.ts', 'load.ts']);

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(here).filter((f) => f.endsWith('.ts') && !SKIP.has(f) && (!only.length || only.includes(f.replace(/\.ts$/, ''))));
  let failed = false;
  for (const file of files.sort()) {
    const mod = (await import(join(here, file))) as { bench?: Bench };
    if (!mod.bench) continue;
    process.stdout.write(`\n## ${file.replace(/\.ts$/, '')}\n`);
    try {
      for (const r of await mod.bench()) process.stdout.write(`${format(r)}\n`);
    } catch (err) {
      failed = true;
      process.stdout.write(`FAILED: ${(err as Error).message}\n`);
    }
  }
  process.exit(failed ? 1 : 0);
}

function format(r: BenchResult): string {
  const value = `${r.value} ${r.unit}`;
  if (!r.baseline) return `${r.name}: ${value}${r.note ? ` (${r.note})` : ''}`;
  const ratio = r.baseline.value ? (r.value / r.baseline.value).toFixed(2) : 'n/a';
  return `${r.name}: ${value} | ${r.baseline.name}: ${r.baseline.value} ${r.unit} | ratio ${ratio}x${r.note ? ` (${r.note})` : ''}`;
}

void main();
