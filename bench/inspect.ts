import { checkLeaks, LEAK_PATTERNS } from '../src/domain/inspect/leaks.js';
import { parseSarif } from '../src/domain/inspect/sarif.js';
import { parseTrivy } from '../src/domain/inspect/trivy.js';
import type { Bench } from './types.js';

/**
 * Inspectors read whole scanner reports and whole run logs inside a pipeline stage. Figures: a
 * Trivy report and a SARIF report with 5,000 findings each (validation and mapping) next to a bare
 * JSON.parse of the same text, and the secret-leak check over 20,000 log lines next to a single
 * regex test per line.
 */
const N = 5000;
const SEV = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];

function trivyReport(): string {
  const vulns = Array.from({ length: N }, (_, i) => ({
    VulnerabilityID: `CVE-2024-${10000 + i}`,
    PkgName: `pkg-${i % 300}`,
    InstalledVersion: '1.0.0',
    FixedVersion: '1.0.1',
    Status: 'fixed',
    Severity: SEV[i % 4],
    Title: `pkg-${i % 300}: issue number ${i}`,
    Description: 'A long description of the problem. '.repeat(8),
    PrimaryURL: `https://avd.aquasec.com/nvd/cve-2024-${10000 + i}`,
  }));
  return JSON.stringify({
    SchemaVersion: 2,
    ArtifactName: 'registry.example.com/app:1.0.0',
    Results: [{ Target: 'app/package-lock.json', Class: 'lang-pkgs', Type: 'npm', Vulnerabilities: vulns }],
  });
}

function sarifReport(): string {
  const rules = Array.from({ length: 50 }, (_, i) => ({
    id: `rule-${i}`,
    defaultConfiguration: { level: ['error', 'warning', 'note'][i % 3] },
    help: { text: `Fix rule ${i}.` },
    properties: { 'security-severity': String((i % 10) + 0.5) },
  }));
  const results = Array.from({ length: N }, (_, i) => ({
    ruleId: `rule-${i % 50}`,
    ruleIndex: i % 50,
    message: { text: `Problem ${i} found here.` },
    locations: [{ physicalLocation: { artifactLocation: { uri: `src/file-${i % 400}.ts` }, region: { startLine: (i % 900) + 1 } } }],
  }));
  return JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'bench', rules } }, results }] });
}

function timeMs(fn: () => void, rounds: number): number {
  fn();
  const start = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  return Number(((performance.now() - start) / rounds).toFixed(2));
}

export const bench: Bench = async () => {
  const trivy = trivyReport();
  const sarif = sarifReport();
  const lines = Array.from({ length: 20_000 }, (_, i) =>
    i % 1000 === 7
      ? `export TOKEN=q8Zr2Lw9Xv4Nk7Tb1Hy6Md3P${i}`
      : `[${i}] step ${i % 17} ok: compiled module-${i % 300}.js in ${i % 90} ms`,
  );
  const aws = LEAK_PATTERNS[0]!.regex;
  return [
    {
      name: `Trivy JSON, ${N} vulnerabilities parsed to findings`,
      value: timeMs(() => parseTrivy(trivy), 10),
      unit: 'ms',
      baseline: { name: 'JSON.parse only', value: timeMs(() => JSON.parse(trivy), 10) },
    },
    {
      name: `SARIF 2.1.0, ${N} results parsed to findings`,
      value: timeMs(() => parseSarif(sarif), 10),
      unit: 'ms',
      baseline: { name: 'JSON.parse only', value: timeMs(() => JSON.parse(sarif), 10) },
    },
    {
      name: 'secret-leak check, 20,000 log lines',
      value: timeMs(() => checkLeaks('secrets', { logs: [{ location: 'stage build log', lines }], settings: [] }), 5),
      unit: 'ms',
      baseline: { name: 'one AWS-key regex per line', value: timeMs(() => lines.filter((l) => aws.test(l)), 5) },
    },
  ];
};
