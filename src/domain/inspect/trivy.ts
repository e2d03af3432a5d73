import { z } from 'zod';
import { parseJson, ReportError } from './report-error.js';
import { normalizeSeverity, type Finding } from './types.js';

/**
 * Trivy's JSON report (`trivy image --format json`): SchemaVersion 2 with `Results[]`, each a
 * target (an OS, a lock file) carrying `Vulnerabilities[]`, `Misconfigurations[]` and `Secrets[]`.
 * Reports from Trivy before 0.20 are a bare array of results; both are read. A secret's `Match`
 * (the matched line) is never read, so it cannot reach a channel.
 */
const vuln = z.looseObject({
  VulnerabilityID: z.string(),
  PkgName: z.string(),
  InstalledVersion: z.string().optional(),
  FixedVersion: z.string().optional(),
  Status: z.string().optional(),
  Severity: z.string(),
  Title: z.string().optional(),
  Description: z.string().optional(),
  PrimaryURL: z.string().optional(),
});
const misconf = z.looseObject({
  ID: z.string().optional(),
  AVDID: z.string().optional(),
  Title: z.string().optional(),
  Message: z.string().optional(),
  Resolution: z.string().optional(),
  Severity: z.string(),
  Status: z.string().optional(),
  PrimaryURL: z.string().optional(),
  CauseMetadata: z.looseObject({ StartLine: z.number().optional() }).optional(),
});
const secret = z.looseObject({ RuleID: z.string(), Title: z.string().optional(), Severity: z.string(), StartLine: z.number().optional() });
const target = z.looseObject({
  Target: z.string(),
  Type: z.string().optional(),
  Vulnerabilities: z.array(vuln).nullish(),
  Misconfigurations: z.array(misconf).nullish(),
  Secrets: z.array(secret).nullish(),
});
const reportSchema = z.union([z.looseObject({ SchemaVersion: z.number(), Results: z.array(target).nullish() }), z.array(target)]);

function firstLine(s: string | undefined): string | undefined {
  return s?.split('\n')[0]?.trim().slice(0, 300) || undefined;
}

export function parseTrivy(raw: string): Finding[] {
  const parsed = reportSchema.safeParse(parseJson(raw, 'Trivy JSON'));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReportError(
      `not a Trivy JSON report: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'unexpected shape'}`,
    );
  }
  const results = Array.isArray(parsed.data) ? parsed.data : (parsed.data.Results ?? []);
  const findings: Finding[] = [];
  for (const t of results) {
    for (const v of t.Vulnerabilities ?? []) {
      const fixed = v.FixedVersion?.trim();
      findings.push({
        id: v.VulnerabilityID,
        severity: normalizeSeverity(v.Severity),
        title: firstLine(v.Title) ?? firstLine(v.Description) ?? v.VulnerabilityID,
        location: `${v.PkgName}${v.InstalledVersion ? ` ${v.InstalledVersion}` : ''} in ${t.Target}`,
        fix: fixed ? `upgrade ${v.PkgName} to ${fixed}` : `no fixed version of ${v.PkgName} yet${v.Status ? ` (${v.Status})` : ''}`,
        key: `${t.Target}|${v.PkgName}`,
        ...(v.PrimaryURL ? { url: v.PrimaryURL } : {}),
      });
    }
    for (const m of t.Misconfigurations ?? []) {
      if (m.Status && m.Status !== 'FAIL') continue;
      const id = m.AVDID ?? m.ID ?? 'misconfiguration';
      const line = m.CauseMetadata?.StartLine;
      findings.push({
        id,
        severity: normalizeSeverity(m.Severity),
        title: firstLine(m.Title) ?? firstLine(m.Message) ?? id,
        location: line ? `${t.Target}:${line}` : t.Target,
        ...(m.Resolution ? { fix: firstLine(m.Resolution)! } : {}),
        key: `${t.Target}|${line ?? ''}`,
        ...(m.PrimaryURL ? { url: m.PrimaryURL } : {}),
      });
    }
    for (const s of t.Secrets ?? []) {
      findings.push({
        id: s.RuleID,
        severity: normalizeSeverity(s.Severity),
        title: firstLine(s.Title) ?? `secret (${s.RuleID})`,
        location: s.StartLine ? `${t.Target}:${s.StartLine}` : t.Target,
        fix: 'remove the secret from the image and rotate it',
        key: `${t.Target}|${s.StartLine ?? ''}`,
      });
    }
  }
  return findings;
}
