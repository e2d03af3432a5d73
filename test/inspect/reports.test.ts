import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReportError } from '../../src/domain/inspect/report-error.js';
import { parseSarif } from '../../src/domain/inspect/sarif.js';
import { verdictOf, thresholdFor, type ThresholdsByEnv } from '../../src/domain/inspect/thresholds.js';
import { parseTrivy } from '../../src/domain/inspect/trivy.js';
import { countBySeverity } from '../../src/domain/inspect/types.js';
import { findingLine, ruleRef } from '../../commands/inspect/render.js';
import { toSlackText as shown } from '../../src/core/outbound.js';

const sample = (name: string) => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

// The two thresholds the issue names: production fails on any critical, staging only warns on high.
const THRESHOLDS: ThresholdsByEnv = {
  production: { fail: 'critical', warn: 'high' },
  staging: { warn: 'high' },
  default: { fail: 'high', warn: 'medium' },
};

describe('SARIF 2.1.0 reports', () => {
  it('reads a Semgrep report: rule default levels, locations, help as the fix, suppressed results left out', () => {
    const findings = parseSarif(sample('semgrep.sarif'));
    expect(findings).toHaveLength(4);
    const sql = findings.find((f) => f.id.endsWith('tainted-sql-string'));
    expect(sql).toMatchObject({ severity: 'high', location: 'src/orders/repository.js:42' });
    expect(sql?.title).toContain('manually construct a SQL string');
    expect(sql?.fix).toContain('parameterized query');
    expect(findings.filter((f) => f.id.endsWith('express-open-redirect'))).toEqual([
      expect.objectContaining({ severity: 'medium', location: 'src/auth/redirect.js:17' }),
    ]);
    expect(countBySeverity(findings)).toEqual({ high: 1, medium: 2, low: 1 });
  });

  it('reads a CodeQL report whose rules live in a tool extension, using security-severity', () => {
    const findings = parseSarif(sample('codeql.sarif'));
    expect(findings.map((f) => [f.id, f.severity, f.location])).toEqual([
      ['js/sql-injection', 'high', 'src/orders/repository.js:42'],
      ['js/hardcoded-credentials', 'critical', 'src/payments/client.js:12'],
      ['js/unused-local-variable', 'low', 'src/payments/client.js:30'],
    ]);
    expect(findings[1]!.fix).toBe('# Hard-coded credentials');
  });

  it('gives the verdict each environment threshold asks for', () => {
    const semgrep = parseSarif(sample('semgrep.sarif'));
    const codeql = parseSarif(sample('codeql.sarif'));
    expect(verdictOf(semgrep, thresholdFor('production', THRESHOLDS))).toBe('warn');
    expect(verdictOf(semgrep, thresholdFor('dev', THRESHOLDS))).toBe('fail');
    expect(verdictOf(codeql, thresholdFor('production', THRESHOLDS))).toBe('fail');
    expect(verdictOf(codeql, thresholdFor('staging', THRESHOLDS))).toBe('warn');
  });

  it('keeps the rule id and its helpUri, and shows the id linked in a verdict line', () => {
    const sql = parseSarif(sample('semgrep.sarif')).find((f) => f.id.endsWith('tainted-sql-string'))!;
    expect(sql.url).toBe('https://semgrep.dev/r/javascript.express.security.injection.tainted-sql-string.tainted-sql-string');
    expect(shown(findingLine(sql))).toContain(`<${sql.url}|${sql.id}>`);
  });

  it('links a report URL only when it is plain http(s), and never lets a rule id close the link', () => {
    expect(shown(ruleRef('CVE-2019-14697', 'https://avd.aquasec.com/nvd/cve-2019-14697'))).toBe(
      '<https://avd.aquasec.com/nvd/cve-2019-14697|CVE-2019-14697>',
    );
    for (const bad of [
      'javascript:alert(1)',
      'https://evil.example/a|<!channel>',
      'https://evil.example/a>b',
      'not a url',
      'https://evil.example/a b',
    ]) {
      expect(shown(ruleRef('R1', bad))).toBe('`R1`');
    }
    expect(shown(ruleRef('x|<!here>', 'https://ok.example/r'))).toBe('<https://ok.example/r|x¦&lt;!here&gt;>');
    expect(shown(ruleRef('CVE-1', 'https://ok.example/r?a=1&b=2'))).toBe('<https://ok.example/r?a=1&amp;b=2|CVE-1>');
  });

  it('refuses a file that is not SARIF 2.1.0, naming what is wrong', () => {
    expect(() => parseSarif('{"version":"2.0.0","runs":[]}')).toThrow(ReportError);
    expect(() => parseSarif('{"version":"2.0.0","runs":[]}')).toThrow(/version/);
    expect(() => parseSarif('not json')).toThrow(/invalid JSON/);
  });
});

describe('Trivy JSON reports', () => {
  it('reads Results[].Vulnerabilities[] with package, installed and fixed versions', () => {
    const findings = parseTrivy(sample('trivy-image.json'));
    expect(findings).toHaveLength(6);
    expect(countBySeverity(findings)).toEqual({ critical: 2, high: 2, medium: 1, low: 1 });
    const webp = findings.find((f) => f.id === 'CVE-2023-4863');
    expect(webp).toMatchObject({
      severity: 'high',
      title: 'libwebp: Heap buffer overflow in WebP Codec',
      location: 'libwebp7 1.2.4-0.2 in registry.example.com/checkout:1.4.0 (debian 12.1)',
      fix: 'upgrade libwebp7 to 1.2.4-0.2+deb12u1',
    });
    expect(findings.find((f) => f.id === 'CVE-2023-45853')?.fix).toContain('no fixed version of zlib1g yet (will_not_fix)');
    expect(findings.find((f) => f.id === 'CVE-2021-44906')?.location).toBe('minimist 1.2.5 in app/package-lock.json');
    expect(webp?.url).toBe('https://avd.aquasec.com/nvd/cve-2023-4863');
  });

  it('fails production on a critical and only warns staging on it', () => {
    const findings = parseTrivy(sample('trivy-image.json'));
    expect(verdictOf(findings, thresholdFor('production', THRESHOLDS))).toBe('fail');
    expect(verdictOf(findings, thresholdFor('staging', THRESHOLDS))).toBe('warn');
    const clean = parseTrivy(sample('trivy-clean.json'));
    expect(clean).toEqual([]);
    expect(verdictOf(clean, thresholdFor('production', THRESHOLDS))).toBe('pass');
  });

  it('reads the pre-0.20 bare array and refuses other shapes', () => {
    const legacy = JSON.stringify([
      {
        Target: 'app/package-lock.json',
        Vulnerabilities: [
          {
            VulnerabilityID: 'CVE-2018-16487',
            PkgName: 'lodash',
            InstalledVersion: '4.17.4',
            FixedVersion: '>=4.17.11',
            Severity: 'HIGH',
            Title: 'lodash: Prototype pollution in utilities function',
          },
        ],
      },
    ]);
    expect(parseTrivy(legacy)).toEqual([
      expect.objectContaining({ id: 'CVE-2018-16487', severity: 'high', fix: 'upgrade lodash to >=4.17.11' }),
    ]);
    expect(() => parseTrivy('{"runs":[]}')).toThrow(/not a Trivy JSON report/);
  });
});
