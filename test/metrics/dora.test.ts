import { describe, expect, it } from 'vitest';
import { changeFailureBand, frequencyBand, leadTimeBand, restoreBand, THRESHOLDS } from '../../src/domain/metrics/bands.js';
import { computeDora, median, type DeployRecord, type IncidentRecord } from '../../src/domain/metrics/dora.js';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2026, 10, 1);
const WINDOW = { from: T0, to: T0 + 30 * D };
const OPTS = { failureWindowMs: D };

let n = 0;
function deploy(at: number, o: Partial<DeployRecord> = {}): DeployRecord {
  n += 1;
  return {
    runId: `r${n}`,
    pipeline: 'checkout-deploy',
    service: 'checkout',
    team: 'C0CHECKOUT',
    env: 'production',
    ref: `v${n}`,
    status: 'succeeded',
    triggeredAt: at - 10 * 60_000,
    finishedAt: at,
    leadBasis: 'trigger',
    ...o,
  };
}
const incident = (id: string, at: number, o: Partial<IncidentRecord> = {}): IncidentRecord => ({
  incidentId: id,
  services: ['checkout'],
  startedAt: at,
  ...o,
});

describe('the four keys for known histories', () => {
  it('no deploys: frequency 0 (low), and no lead time, failure rate or band for them', () => {
    const r = computeDora([], [], WINDOW, OPTS);
    expect(r.deploys).toBe(0);
    expect(r.frequencyBand).toBe('low');
    expect(r.leadTime).toEqual({ medianMs: null, basis: { commit: 0, plan: 0, trigger: 0 }, band: null });
    expect(r.changeFailure).toEqual({ rate: null, failed: [], band: null });
    expect(r.restore).toEqual({ medianMs: null, incidents: 0, band: null });
  });

  it('an incident with no deploy before it counts for time to restore but fails no change', () => {
    const later = deploy(T0 + 5 * D);
    const r = computeDora([later], [incident('INC-1', T0 + 2 * D, { resolvedAt: T0 + 2 * D + 45 * 60_000 })], WINDOW, OPTS);
    expect(r.changeFailure.failed).toEqual([]);
    expect(r.changeFailure.rate).toBe(0);
    expect(r.restore).toEqual({ medianMs: 45 * 60_000, incidents: 1, band: 'elite' });
  });

  it('a deploy rolled back and then fixed is one failed change; the rollback and the fix are changes that did not fail', () => {
    const bad = deploy(T0 + 3 * D);
    const rollback = deploy(T0 + 3 * D + 2 * H, { rollbackOf: bad.runId, fixIncident: 'INC-2' });
    const fix = deploy(T0 + 4 * D, { fixIncident: 'INC-2' });
    const inc = incident('INC-2', T0 + 3 * D + H, { resolvedAt: T0 + 3 * D + 3 * H });
    const r = computeDora([bad, rollback, fix], [inc], WINDOW, OPTS);
    expect(r.deploys).toBe(3);
    expect(r.changeFailure.failed.map((f) => [f.runId, f.cause.kind])).toEqual([[bad.runId, 'incident']]);
    expect(r.changeFailure.rate).toBeCloseTo(1 / 3);
    expect(r.changeFailure.band).toBe('medium');
    expect(r.restore.medianMs).toBe(2 * H);
  });

  it('a rollback alone marks the run it rolled back, once, even with an incident too', () => {
    const bad = deploy(T0 + 3 * D, { service: 'payments' });
    const rollback = deploy(T0 + 3 * D + H, { service: 'payments', rollbackOf: bad.runId });
    const r = computeDora([bad, rollback], [incident('INC-3', T0 + 3 * D + 30 * 60_000, { services: ['payments'] })], WINDOW, OPTS);
    expect(r.changeFailure.failed).toHaveLength(1);
    expect(r.changeFailure.failed[0]).toMatchObject({ runId: bad.runId, cause: { kind: 'incident', incidentId: 'INC-3' } });
  });

  it('a --fix deploy for an incident on another service fails the last deploy of its own service before the incident', () => {
    const culprit = deploy(T0 + 6 * D);
    const fix = deploy(T0 + 6 * D + 5 * H, { fixIncident: 'INC-4' });
    const inc = incident('INC-4', T0 + 6 * D + 2 * H, { services: ['search'] });
    const r = computeDora([culprit, fix], [inc], WINDOW, OPTS);
    expect(r.changeFailure.failed).toEqual([
      expect.objectContaining({ runId: culprit.runId, cause: { kind: 'fix', runId: fix.runId, incidentId: 'INC-4' } }),
    ]);
  });

  it('a signal after the failure window, or a deploy that failed to deploy, counts against nothing', () => {
    const ok = deploy(T0 + D);
    const failedRun = deploy(T0 + 8 * D, { status: 'failed' });
    const r = computeDora([ok, failedRun], [incident('INC-5', T0 + 3 * D), incident('INC-6', T0 + 8 * D + H)], WINDOW, OPTS);
    expect(r.deploys).toBe(1);
    expect(r.changeFailure.failed).toEqual([]);
  });

  it('only deploys finished inside the window count; one just before it can still be failed by a signal early in the window', () => {
    const before = deploy(T0 - 2 * H);
    const inside = deploy(T0 + 10 * D);
    const r = computeDora([before, inside], [incident('INC-7', T0 + H)], WINDOW, OPTS);
    expect(r.deploys).toBe(1);
    expect(r.changeFailure.failed).toEqual([]);
    expect(r.changeFailure.rate).toBe(0);
    const prev = computeDora([before, inside], [incident('INC-7', T0 + H)], { from: T0 - 30 * D, to: T0 }, OPTS);
    expect(prev.changeFailure.failed.map((f) => f.runId)).toEqual([before.runId]);
  });

  it('lead time is the median from the change start, and says which start it used', () => {
    const a = deploy(T0 + D, { changeStartedAt: T0 + D - 3 * H, leadBasis: 'commit' });
    const b = deploy(T0 + 2 * D, { triggeredAt: T0 + 2 * D - H });
    const c = deploy(T0 + 3 * D, { changeStartedAt: T0 + 3 * D - 2 * D, leadBasis: 'plan' });
    const r = computeDora([a, b, c], [], WINDOW, OPTS);
    expect(r.leadTime.medianMs).toBe(3 * H);
    expect(r.leadTime.basis).toEqual({ commit: 1, plan: 1, trigger: 1 });
    expect(r.leadTime.band).toBe('elite');
  });

  it('frequency: 30 deploys in 30 days is daily (elite); 4 is weekly-ish (medium); 5 is high', () => {
    const daily = Array.from({ length: 30 }, (_, i) => deploy(T0 + i * D + H));
    expect(computeDora(daily, [], WINDOW, OPTS).frequencyBand).toBe('elite');
    expect(computeDora(daily.slice(0, 5), [], WINDOW, OPTS).frequencyBand).toBe('high');
    expect(computeDora(daily.slice(0, 4), [], WINDOW, OPTS).frequencyBand).toBe('medium');
    expect(computeDora(daily.slice(0, 1), [], WINDOW, OPTS).frequencyBand).toBe('medium');
  });
});

describe('bands at their edges (one documented table)', () => {
  it.each([
    [THRESHOLDS.deploysPerDay.elite, 'elite'],
    [THRESHOLDS.deploysPerDay.high, 'high'],
    [THRESHOLDS.deploysPerDay.medium, 'medium'],
    [THRESHOLDS.deploysPerDay.medium * 0.99, 'low'],
  ] as const)('deploy frequency %s a day is %s', (perDay, band) => expect(frequencyBand(perDay)).toBe(band));

  it.each([
    [D - 1, 'elite'],
    [D, 'high'],
    [7 * D, 'high'],
    [30 * D, 'medium'],
    [30 * D + 1, 'low'],
  ] as const)('lead time %s ms is %s', (ms, band) => expect(leadTimeBand(ms)).toBe(band));

  it.each([
    [0, 'elite'],
    [0.15, 'elite'],
    [0.16, 'high'],
    [0.3, 'high'],
    [0.45, 'medium'],
    [0.46, 'low'],
  ] as const)('change failure rate %s is %s', (rate, band) => expect(changeFailureBand(rate)).toBe(band));

  it.each([
    [H - 1, 'elite'],
    [H, 'high'],
    [D, 'medium'],
    [7 * D, 'low'],
  ] as const)('time to restore %s ms is %s', (ms, band) => expect(restoreBand(ms)).toBe(band));

  it('no data has no band', () => {
    expect([leadTimeBand(null), changeFailureBand(null), restoreBand(null), median([])]).toEqual([null, null, null, null]);
  });
});
