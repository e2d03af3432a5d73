import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Harness } from '../support/harness.js';

/**
 * Inspector tests write their inspectors.yml into a temp dir, so the inventory command and the
 * landing-zone scanner read files the test controls (`cat` is the scanner: a real child process).
 */
export const SAMPLES = resolve('test/inspect/samples');

export interface InspectFixture {
  dir: string;
  configFile: string;
  /** What the inventory command reports as running in an environment. */
  setInventory(env: string, items: Array<{ service: string; version: string }>): void;
  /** The Trivy report the landing-zone scanner returns for a running version. */
  setScan(service: string, version: string, sample: string): void;
  /** Same, from a report built by the test. */
  setScanJson(service: string, version: string, report: unknown): void;
  /** With `countingInventory`: how many times the inventory command ran for an environment. */
  inventoryRuns(env: string): number;
  /** Makes the inventory command of an environment fail (no file to read). */
  breakInventory(env: string): void;
}

/** A scanner that says it started (a file) and then runs until it is killed. */
const slowScript = 'require("fs").writeFileSync(process.argv[1], ""); setTimeout(() => {}, 20000)';
const slowScanner = (dir: string) => `  slow:
    type: scan
    format: trivy
    command: ['${process.execPath}', '-e', '${slowScript}', '${dir}/slow-started']
    timeout: 30s
`;

/** The inventory as a real child process that notes each run, then reads the file (failing when there is none). */
const countingInventory = (dir: string) =>
  `[sh, -c, 'echo run >> "$1/inventory-runs-$2"; exec cat "$1/inventory-$2.json"', inventory, '${dir}', '{env}']`;

export function inspectFixture(o: { landingZone?: string; slowScanner?: boolean; countingInventory?: boolean } = {}): InspectFixture {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-inspect-'));
  const configFile = join(dir, 'inspectors.yml');
  writeFileSync(
    configFile,
    `policyFile: ${resolve('test/inspect/policies.yml')}
thresholds:
  production: { fail: critical, warn: high }
  staging: { warn: high }
inspectors:
  policy:
    type: policy
  secrets:
    type: secret-leak
    thresholds:
      default: { fail: high, warn: low }
  trivy:
    type: scan
    format: trivy
    command: [cat, '${SAMPLES}/trivy-{artifact}.json']
    timeout: 5s
  running-trivy:
    type: scan
    format: trivy
    command: [cp, '${dir}/scan-{service}-{version}.json', '{report}']
    timeout: 5s
${o.slowScanner ? slowScanner(dir) : ''}  drift:
    type: drift
    severities: { mismatch: critical, missing: high, unmanaged: medium }
inventory:
  command: ${o.countingInventory ? countingInventory(dir) : `[cat, '${dir}/inventory-{env}.json']`}
  timeout: 5s
landingZone:
${o.landingZone ?? '  {}'}
channels:
  default: C0NOC
findings:
  ackExpiry: 30d
  ackMaxExpiry: 90d
`,
  );
  return {
    dir,
    configFile,
    setInventory: (env, items) => writeFileSync(join(dir, `inventory-${env}.json`), JSON.stringify(items)),
    setScan: (service, version, sample) => writeFileSync(join(dir, `scan-${service}-${version}.json`), readSample(sample)),
    setScanJson: (service, version, report) => writeFileSync(join(dir, `scan-${service}-${version}.json`), JSON.stringify(report)),
    inventoryRuns: (env) =>
      existsSync(join(dir, `inventory-runs-${env}`))
        ? readFileSync(join(dir, `inventory-runs-${env}`), 'utf8')
            .split('\n')
            .filter(Boolean).length
        : 0,
    breakInventory: (env) => rmSync(join(dir, `inventory-${env}.json`), { force: true }),
  };
}

const readSample = (name: string): string => readFileSync(join(SAMPLES, name), 'utf8');

export const runIdOf = (text: string): string => {
  const m = /\*?(r\d+)\*? (?:of|is queued|retries)/.exec(text) ?? /Run \*(r\d+)\*/.exec(text);
  if (!m) throw new Error(`no run id in: ${text}`);
  return m[1]!;
};

export function runMessage(h: Harness, channel: string, runId: string) {
  return h.slack.messages(channel).find((m) => new RegExp(`^[\\w-]+ ${runId} → `).test(m.text));
}

export function threadOf(h: Harness, channel: string, runId: string) {
  const root = runMessage(h, channel, runId);
  return root ? h.slack.messages(channel, { threadTs: root.ts }).filter((m) => m.ts !== root.ts) : [];
}

export async function waitRun(h: Harness, channel: string, runId: string, pattern: RegExp, timeoutMs = 15_000) {
  return h.slack.waitFor(
    () => {
      const m = runMessage(h, channel, runId);
      return m && pattern.test(m.text) ? m : undefined;
    },
    { timeoutMs, message: `run ${runId} never matched ${pattern}: ${runMessage(h, channel, runId)?.text ?? '(no message)'}` },
  );
}
