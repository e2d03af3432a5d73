import { z } from 'zod';
import { parseJson, ReportError } from './report-error.js';
import type { Finding, Severity } from './types.js';

/**
 * SARIF 2.1.0 (OASIS), as written by Semgrep, CodeQL, Grype, Trivy (`--format sarif`), gosec...
 * Only what findings need is read; everything else passes through. Rules live in
 * `tool.driver.rules` or, for CodeQL query packs, in `tool.extensions[].rules` (a result then
 * points at them with `rule.toolComponent.index`).
 */
const text = z.looseObject({ text: z.string().optional(), markdown: z.string().optional() });
const props = z.record(z.string(), z.unknown());
const rule = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  shortDescription: text.optional(),
  fullDescription: text.optional(),
  help: text.optional(),
  helpUri: z.string().optional(),
  defaultConfiguration: z.looseObject({ level: z.string().optional() }).optional(),
  properties: props.optional(),
});
const component = z.looseObject({ name: z.string().optional(), rules: z.array(rule).optional() });
const location = z.looseObject({
  physicalLocation: z
    .looseObject({
      artifactLocation: z.looseObject({ uri: z.string().optional() }).optional(),
      region: z.looseObject({ startLine: z.number().optional(), startColumn: z.number().optional() }).optional(),
    })
    .optional(),
  logicalLocations: z.array(z.looseObject({ fullyQualifiedName: z.string().optional(), name: z.string().optional() })).optional(),
});
const result = z.looseObject({
  ruleId: z.string().optional(),
  ruleIndex: z.number().optional(),
  rule: z
    .looseObject({
      id: z.string().optional(),
      index: z.number().optional(),
      toolComponent: z.looseObject({ index: z.number().optional() }).optional(),
    })
    .optional(),
  kind: z.string().optional(),
  level: z.string().optional(),
  message: z.looseObject({ text: z.string().optional(), id: z.string().optional() }),
  locations: z.array(location).optional(),
  suppressions: z.array(z.looseObject({ status: z.string().optional() })).optional(),
  baselineState: z.string().optional(),
  fixes: z.array(z.looseObject({ description: text.optional() })).optional(),
  properties: props.optional(),
});
const sarifSchema = z.looseObject({
  version: z.literal('2.1.0'),
  runs: z.array(
    z.looseObject({
      tool: z.looseObject({ driver: component, extensions: z.array(component).optional() }),
      results: z.array(result).nullish(),
    }),
  ),
});

type Rule = z.infer<typeof rule>;
type Result = z.infer<typeof result>;

/** GitHub code scanning's reading of `security-severity` (a CVSS-like score as a string). */
export function severityFromScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}

const LEVELS: Record<string, Severity> = { error: 'high', warning: 'medium', note: 'low', none: 'info' };

function severityOf(r: Result, ruleDef: Rule | undefined): Severity {
  const score = Number(r.properties?.['security-severity'] ?? ruleDef?.properties?.['security-severity']);
  if (Number.isFinite(score) && String(r.properties?.['security-severity'] ?? ruleDef?.properties?.['security-severity']).trim() !== '') {
    return severityFromScore(score);
  }
  // SARIF §3.27.10: a result without level takes its rule's default configuration, else "warning".
  const level = r.level ?? ruleDef?.defaultConfiguration?.level ?? 'warning';
  return LEVELS[level] ?? 'medium';
}

function locationOf(r: Result): string | undefined {
  const loc = r.locations?.[0];
  const phys = loc?.physicalLocation;
  const uri = phys?.artifactLocation?.uri;
  if (uri) return phys?.region?.startLine ? `${uri}:${phys.region.startLine}` : uri;
  const logical = loc?.logicalLocations?.[0];
  return logical?.fullyQualifiedName ?? logical?.name;
}

function firstLine(s: string | undefined): string | undefined {
  const line = s
    ?.split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return line ? line.slice(0, 300) : undefined;
}

function fixOf(r: Result, ruleDef: Rule | undefined): string | undefined {
  return firstLine(r.fixes?.[0]?.description?.text) ?? firstLine(ruleDef?.help?.text) ?? ruleDef?.helpUri;
}

/** A result is a problem unless its kind says otherwise, it is suppressed, or it is gone from the baseline. */
function isProblem(r: Result): boolean {
  if (r.kind && r.kind !== 'fail') return false;
  if (r.suppressions?.some((s) => s.status !== 'rejected' && s.status !== 'underReview')) return false;
  return r.baselineState !== 'absent';
}

export function parseSarif(raw: string): Finding[] {
  const parsed = sarifSchema.safeParse(parseJson(raw, 'SARIF'));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReportError(`not SARIF 2.1.0: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'unexpected shape'}`);
  }
  const findings: Finding[] = [];
  for (const run of parsed.data.runs) {
    const components = [run.tool.driver, ...(run.tool.extensions ?? [])];
    for (const r of run.results ?? []) {
      if (!isProblem(r)) continue;
      // SARIF §3.54.3: a toolComponent index points into tool.extensions; without one, the driver.
      const extIndex = r.rule?.toolComponent?.index;
      const comp = (extIndex !== undefined ? run.tool.extensions?.[extIndex] : undefined) ?? run.tool.driver;
      const index = r.rule?.index ?? r.ruleIndex;
      const ruleId = r.ruleId ?? r.rule?.id;
      const ruleDef =
        (index !== undefined ? comp.rules?.[index] : undefined) ?? components.flatMap((c) => c.rules ?? []).find((d) => d.id === ruleId);
      const id = ruleId ?? ruleDef?.id ?? 'unnamed-rule';
      const location = locationOf(r);
      findings.push({
        id,
        severity: severityOf(r, ruleDef),
        title: firstLine(r.message.text) ?? firstLine(ruleDef?.shortDescription?.text) ?? id,
        ...(location ? { location, key: location } : {}),
        ...(fixOf(r, ruleDef) ? { fix: fixOf(r, ruleDef)! } : {}),
        ...(ruleDef?.helpUri ? { url: ruleDef.helpUri } : {}),
      });
    }
  }
  return findings;
}
