import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Holds #13's rule for every way in: a Slack value is decoded by the codec of its edge
 * (src/core/codec.ts, declared through src/core/edges.ts), never split by hand; the audit entry
 * of a request and the de-duplication of Slack retries are written once, in the edge pipeline
 * (src/core/pipeline.ts). A new file that breaks a rule fails here with its path and line.
 */
const ROOTS = ['src', 'commands'];
const SKIP = ['src/local-slack/']; // the fake Slack workspace speaks the wire; it is not the bot

function sources(): Array<{ path: string; lines: string[] }> {
  const out: Array<{ path: string; lines: string[] }> = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !SKIP.some((s) => p.startsWith(s))) out.push({ path: p, lines: readFileSync(p, 'utf8').split('\n') });
    }
  };
  ROOTS.forEach(walk);
  return out;
}

function offenders(pattern: RegExp, allowed: string[]): string[] {
  return sources()
    .filter((f) => !allowed.includes(f.path))
    .flatMap((f) => f.lines.flatMap((l, i) => (pattern.test(l) ? [`${f.path}:${i + 1}: ${l.trim().slice(0, 120)}`] : [])));
}

/**
 * Files that record a domain decision of their own (a vote, an override, a webhook that opened an
 * incident, a refusal with its rule) besides the pipeline's entry for the request: that is what
 * CONTRIBUTING asks for. A new file joins this list only with a reason in review.
 */
const DECISION_AUDITS = [
  'src/core/audit.ts', // the log itself
  'src/core/pipeline.ts', // the one entry per command, button, modal and shortcut
  'src/core/routes.ts', // the one entry per webhook delivery (defineRoute)
  'commands/injection/commands.ts', // reveals of secret values, each with what was shown
  'commands/inspect/commands.ts', // accepting a finding until a date
  'src/domain/approvals/decisions.ts', // votes and refusals with the gate policy
  'src/domain/approvals/freeze-guard.ts', // freeze overrides
  'src/domain/incidents/deploy.ts', // rollbacks and freeze passes, with the run they started
  'src/domain/incidents/interactions.ts', // a reaction event that added to a timeline (events are not audited per delivery)
  'src/domain/incidents/resolve.ts',
  'src/domain/inspect/override.ts', // overrides and fail-run, with the reason
  'src/domain/pipelines/guards.ts',
  'src/domain/pipelines/service.ts',
  'src/domain/plan/closing.ts',
  'src/domain/statuspage/publisher.ts', // what reached the public status page (the job's outcome, after the command's entry)
  'src/domain/plan/service.ts',
  'src/domain/runbooks/evidence.ts', // runbook skips with their reason, automated step outcomes, the file version a run used
];

describe('one way in: edges decoded, audited and de-duplicated in one place', () => {
  it('splits no Slack value by hand: the compact codec in src/core/codec.ts is the one place', () => {
    expect(offenders(/\.split\(\s*['"`]\|['"`]\s*\)/, ['src/core/codec.ts'])).toEqual([]);
  });

  it('parses no modal metadata or button value by hand', () => {
    expect(offenders(/JSON\.parse\([^)]*(privateMetadata|private_metadata|\.value\b|metadata)/, ['src/core/codec.ts'])).toEqual([]);
  });

  it('builds buttons and modals only through defineAction / defineView in the capabilities', () => {
    // `actionId:` / `callbackId:` written in a capability means a button or modal made by hand,
    // whose value or metadata nothing decodes.
    const handMade = offenders(/\b(actionId|callbackId)\s*:/, []).filter(
      (o) => o.startsWith('src/domain/') || o.startsWith('commands/') || o.startsWith('src/app/'),
    );
    expect(handMade).toEqual([]);
  });

  it('writes the audit entry of a request only in the pipeline (and decisions only where listed)', () => {
    expect(offenders(/\baudit\.record\(|\.record\(\{\s*actor/, DECISION_AUDITS)).toEqual([]);
    // The list stays honest: a file that stopped auditing leaves it.
    const stale = DECISION_AUDITS.filter((p) => !p.startsWith('src/core/') && !/\baudit\.record\(/.test(readFileSync(p, 'utf8')));
    expect(stale).toEqual([]);
  });

  it('de-duplicates Slack retries only in the pipeline (and webhook redeliveries only in the route pipeline)', () => {
    expect(offenders(/firstDelivery|key\(\s*['"]dedupe['"]/, ['src/core/pipeline.ts', 'src/core/routes.ts'])).toEqual([]);
    expect(offenders(/\.claim\(/, []).filter((o) => /^src\/(adapters\/slack\/bolt|core\/(commands|interactions))/.test(o))).toEqual([]);
  });
});
