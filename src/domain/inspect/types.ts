/**
 * The vocabulary of inspectors: what a finding is, how severe, and what an inspector concludes.
 * Findings name rules, packages and places; they never carry a secret value.
 */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type Verdict = 'pass' | 'warn' | 'fail';

export interface Finding {
  /** Rule or advisory id: `CVE-2023-4863`, `javascript.express.security.audit.xss`, `prod-from-tags`. */
  id: string;
  severity: Severity;
  title: string;
  /** Where: `src/app.ts:42`, `libwebp 1.2.4 in app (debian 12.1)`, `stage build log line 7`. */
  location?: string;
  /** How to make it go away: `upgrade libwebp to 1.3.2`, `deploy a tag matching ^v…`. */
  fix?: string;
  /** Extra stable words that keep two findings of one rule apart (package, path); used in fingerprints. */
  key?: string;
  /** Where the advisory or rule is explained, as the report gave it (Trivy `PrimaryURL`, SARIF rule `helpUri`). Untrusted. */
  url?: string;
}

export interface InspectorResult {
  inspector: string;
  type: string;
  verdict: Verdict;
  findings: Finding[];
  /** Informational lines: rules skipped (capability absent), approvals that applied, report used. */
  notes: string[];
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function bySeverityDesc(a: Finding, b: Finding): number {
  return severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id);
}

/** Scanner vocabularies vary in case and words (`CRITICAL`, `moderate`, `UNKNOWN`). */
export function normalizeSeverity(raw: unknown, fallback: Severity = 'medium'): Severity {
  const s = String(raw ?? '')
    .trim()
    .toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(s)) return s as Severity;
  if (s === 'moderate') return 'medium';
  if (s === 'negligible' || s === 'unknown' || s === 'none' || s === 'informational') return 'info';
  return fallback;
}

export function countBySeverity(findings: readonly Finding[]): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const f of findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

/** The worse of two verdicts. */
export function worst(a: Verdict, b: Verdict): Verdict {
  const rank: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2 };
  return rank[a] >= rank[b] ? a : b;
}
