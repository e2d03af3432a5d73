import type { RunInfo } from '../contracts.js';
import { shortRef } from './policy.js';
import type { Finding, Severity } from './types.js';

/**
 * Drift: what Switchyard last deployed to an environment (the newest successful run per service)
 * against what the inventory command reports as running there.
 */
export interface RunningVersion {
  service: string;
  version: string;
}

export interface Deployed {
  service: string;
  ref: string;
  runId: string;
  teamChannel: string;
  at: number;
}

export interface DriftSeverities {
  mismatch: Severity;
  missing: Severity;
  unmanaged: Severity;
}

export const DEFAULT_DRIFT_SEVERITIES: DriftSeverities = { mismatch: 'high', missing: 'high', unmanaged: 'medium' };

/** Newest successful run per service; `runs` may come in any order. */
export function lastDeployed(runs: readonly RunInfo[], env: string): Map<string, Deployed> {
  const out = new Map<string, Deployed>();
  for (const r of runs) {
    if (r.env !== env || r.status !== 'succeeded') continue;
    const at = r.finishedAt ?? r.startedAt ?? r.createdAt;
    const prev = out.get(r.service);
    if (!prev || at > prev.at) out.set(r.service, { service: r.service, ref: r.ref, runId: r.id, teamChannel: r.teamChannel, at });
  }
  return out;
}

/** `v1.4.0`, `refs/tags/v1.4.0` and `1.4.0` name the same version. */
export function sameVersion(ref: string, version: string): boolean {
  const norm = (s: string) => shortRef(s.trim()).replace(/^v(?=\d)/, '');
  return norm(ref) === norm(version);
}

export interface ServiceFinding {
  service: string;
  finding: Finding;
}

export function detectDrift(
  deployed: ReadonlyMap<string, Deployed>,
  running: readonly RunningVersion[],
  opts: { env: string; service?: string; severities?: DriftSeverities },
): ServiceFinding[] {
  const sev = opts.severities ?? DEFAULT_DRIFT_SEVERITIES;
  const wanted = (s: string) => !opts.service || s === opts.service;
  const findings: ServiceFinding[] = [];
  const add = (service: string, finding: Finding) => findings.push({ service, finding });
  const runningBy = new Map<string, string[]>();
  for (const r of running) if (wanted(r.service)) runningBy.set(r.service, [...(runningBy.get(r.service) ?? []), r.version]);

  for (const [service, versions] of runningBy) {
    const d = deployed.get(service);
    if (!d) {
      add(service, {
        id: 'drift.unmanaged',
        severity: sev.unmanaged,
        title: `${service} runs ${versions.join(', ')} in ${opts.env}, but Switchyard has no successful deploy of it there`,
        location: `${service} in ${opts.env}`,
        fix: `deploy ${service} to ${opts.env} through its pipeline so its version is known`,
        key: `${service}|${versions.sort().join(',')}`,
      });
      continue;
    }
    const stray = versions.filter((v) => !sameVersion(d.ref, v));
    if (stray.length) {
      add(service, {
        id: 'drift.version-mismatch',
        severity: sev.mismatch,
        title: `${service} runs ${stray.join(', ')} in ${opts.env}, but Switchyard last deployed ${shortRef(d.ref)} (run ${d.runId})`,
        location: `${service} in ${opts.env}`,
        fix: `redeploy ${shortRef(d.ref)} with the pipeline, or find who changed ${service} outside Switchyard`,
        key: `${service}|${shortRef(d.ref)}|${stray.sort().join(',')}`,
      });
    }
  }
  for (const [service, d] of deployed) {
    if (!wanted(service) || runningBy.has(service)) continue;
    add(service, {
      id: 'drift.missing',
      severity: sev.missing,
      title: `${service} ${shortRef(d.ref)} was deployed to ${opts.env} (run ${d.runId}) but is not running there`,
      location: `${service} in ${opts.env}`,
      fix: `check why ${service} is down, or redeploy it`,
      key: `${service}|${shortRef(d.ref)}`,
    });
  }
  return findings;
}
