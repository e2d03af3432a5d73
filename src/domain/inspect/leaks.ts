import { MASK } from '../../core/mask.js';
import type { Finding, InspectorResult, Severity } from './types.js';

/**
 * Looks for credentials that escaped into a run's captured logs or its rendered stage settings.
 * A finding names the pattern and the place (stage log line, settings path), never the matched
 * text: the report itself must not become a second leak.
 */
interface LeakPattern {
  id: string;
  title: string;
  severity: Severity;
  regex: RegExp;
}

export const LEAK_PATTERNS: readonly LeakPattern[] = [
  {
    id: 'aws-access-key-id',
    title: 'AWS access key id',
    severity: 'critical',
    regex: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b/,
  },
  {
    id: 'aws-secret-access-key',
    title: 'AWS secret access key',
    severity: 'critical',
    regex: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}\b/i,
  },
  {
    id: 'private-key',
    title: 'private key',
    severity: 'critical',
    regex: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/,
  },
  { id: 'slack-token', title: 'Slack token', severity: 'high', regex: /\bxox[abposr]-[0-9A-Za-z-]{10,}/ },
  {
    id: 'slack-webhook',
    title: 'Slack incoming webhook URL',
    severity: 'high',
    regex: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/,
  },
  { id: 'github-token', title: 'GitHub token', severity: 'high', regex: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
];

/** `password=…`, `"apiKey": "…"`, `TOKEN: …` with a long, random-looking value. */
const ASSIGNMENT = new RegExp(
  [
    '\\b([A-Za-z0-9_.-]*',
    '(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth)',
    '[A-Za-z0-9_.-]*)',
    '["\']?\\s*[:=]\\s*["\']?',
    '([^\\s"\',;]{16,})',
  ].join(''),
  'gi',
);
const SECRET_NAME = /(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth)/i;
/** Masks and references are not secrets: `***`, `${{ inject.db_password }}`, `$DB_PASSWORD`. */
const NOT_A_VALUE = /^(\*+|\$\{\{.*|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|<[^>]*>|x+|redacted|\[redacted\]|•+|changeme)$/i;

export const MIN_ENTROPY_BITS = 3.5;

/** Shannon entropy in bits per character: random tokens score about 4-6, words about 2.5-3.5. */
export function shannonEntropy(s: string): number {
  if (!s.length) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function looksSecret(value: string): boolean {
  return value.length >= 16 && !NOT_A_VALUE.test(value) && shannonEntropy(value) >= MIN_ENTROPY_BITS;
}

const QUOTED = /(["'`])([^"'`\s]{16,})\1/g;

/**
 * Scanners quote what they matched in their messages (CodeQL: `The hard-coded value "…" is used
 * as …`). Before such text reaches a channel, known credential shapes and quoted random-looking
 * values are replaced with the one mask token (src/core/mask.ts).
 */
export function redactSecrets(text: string): string {
  let out = text;
  for (const p of LEAK_PATTERNS) out = out.replace(new RegExp(p.regex.source, `${p.regex.flags.replace('g', '')}g`), MASK);
  out = out.replace(ASSIGNMENT, (m, name: string, value: string) => (looksSecret(value) ? m.replace(value, MASK) : m));
  return out.replace(QUOTED, (m, q: string, value: string) => (looksSecret(value) ? `${q}${MASK}${q}` : m));
}

/** A captured log: where it came from (`stage build log`) and its lines. */
export interface TextSource {
  location: string;
  lines: readonly string[];
}

/**
 * The name a value was assigned to helps people find it (`DB_PASSWORD`), but the name match can
 * run into the secret itself (a token that happens to contain `pwd`, then `=`): a name is shown
 * only when it reads as words (`API_TOKEN`, `db.password2`).
 */
const PLAIN_NAME = /^[A-Za-z]{1,12}\d{0,2}(?:[_.-][A-Za-z]{1,12}\d{0,2}){0,5}$/;
const shownName = (name: string): string => (PLAIN_NAME.test(name) ? `\`${name}\`` : 'a secret-looking name');

function scanLine(line: string, where: string, out: Finding[]): void {
  for (const p of LEAK_PATTERNS) {
    if (p.regex.test(line))
      out.push({
        id: p.id,
        severity: p.severity,
        title: `${p.title} in ${where}`,
        location: where,
        key: where,
        fix: 'revoke and rotate the credential, then stop printing it (pass it through injection, which masks it)',
      });
  }
  if (out.some((f) => f.location === where)) return;
  for (const m of line.matchAll(ASSIGNMENT)) {
    if (looksSecret(m[2]!)) {
      const name = shownName(m[1]!);
      out.push({
        id: 'generic-secret',
        severity: 'high',
        title: `high-entropy value assigned to ${name} in ${where}`,
        location: where,
        key: `${where}|${name}`,
        fix: 'rotate it if it is a credential, and inject it instead of printing it',
      });
      return;
    }
  }
}

/** Flattens settings into `path: value` pairs; arrays index as `.0`. */
export function flattenSettings(
  value: unknown,
  path: string,
  out: Array<{ path: string; value: string }> = [],
): Array<{ path: string; value: string }> {
  if (value === null || value === undefined) return out;
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flattenSettings(v, path ? `${path}.${k}` : k, out);
  } else out.push({ path, value: String(value) });
  return out;
}

export function checkLeaks(
  name: string,
  sources: { logs: TextSource[]; settings: Array<{ path: string; value: string }> },
): InspectorResult {
  const findings: Finding[] = [];
  for (const src of sources.logs) {
    src.lines.forEach((line, i) => scanLine(line, `${src.location} line ${i + 1}`, findings));
  }
  for (const { path, value } of sources.settings) {
    const where = `settings ${path}`;
    const before = findings.length;
    scanLine(value, where, findings);
    // A setting's name is the assignment: `with.env.API_TOKEN: 8f3k…` has no `=` in its value.
    const leaf = path.split('.').pop() ?? '';
    if (findings.length === before && SECRET_NAME.test(leaf) && looksSecret(value)) {
      findings.push({
        id: 'generic-secret',
        severity: 'high',
        title: `high-entropy literal in setting \`${leaf}\``,
        location: where,
        key: where,
        fix: 'move the value to the secret store and reference it with ${{ inject.<key> }}',
      });
    }
  }
  const notes = [`checked ${sources.logs.reduce((n, s) => n + s.lines.length, 0)} log line(s) and ${sources.settings.length} setting(s)`];
  return { inspector: name, type: 'secret-leak', verdict: 'pass', findings, notes };
}
