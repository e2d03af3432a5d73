import { describe, expect, it } from 'vitest';
import type { RunDoc } from '../../src/domain/pipelines/model.js';
import { RunRefresher } from '../../src/domain/pipelines/run-refresh.js';
import { waitFor } from '../support/redis.js';

/**
 * The run message's refreshes are coalesced per run. What is checked is what reaches the message
 * (the states sent, in order), waiting on the sends themselves, never on elapsed time.
 */
const RUN = { pipeline: 'p', service: 's', teamChannel: 'C0DEPLOYS', env: 'staging', ref: 'main', params: {}, triggeredBy: 'U0BOB' };

function doc(id: string, status: RunDoc['status'], reason: string): RunDoc {
  return { ...RUN, id, channel: 'C0DEPLOYS', status, createdAt: 0, messageKey: `run-${id}`, stages: [], reason };
}

/** A refresher whose sends are recorded as `id:status:reason`; `failFirst` makes the first send throw. */
function recorder(intervalMs = 60_000, failFirst = false) {
  const sent: string[] = [];
  let fail = failFirst;
  const refresher = new RunRefresher(async (d) => {
    if (fail) {
      fail = false;
      throw new Error('slack is away');
    }
    sent.push(`${d.id}:${d.status}:${d.reason}`);
  }, intervalMs);
  return { sent, refresher };
}

describe('RunRefresher', () => {
  it('sends the first change at once and the burst after it once, as its latest state, when flushed', async () => {
    const { sent, refresher } = recorder();
    await refresher.refresh(doc('r1', 'running', 'a'));
    expect(sent).toEqual(['r1:running:a']);
    for (const n of ['b', 'c', 'd']) await refresher.refresh(doc('r1', 'running', n));
    expect(sent).toEqual(['r1:running:a']);
    await refresher.flushAll();
    expect(sent).toEqual(['r1:running:a', 'r1:running:d']);
  });

  it('sends the final state at once, replacing what waited, and ignores an older state arriving after it', async () => {
    const { sent, refresher } = recorder();
    await refresher.refresh(doc('r2', 'running', 'a'));
    await refresher.refresh(doc('r2', 'running', 'b'));
    await refresher.refresh(doc('r2', 'succeeded', 'done'));
    expect(sent).toEqual(['r2:running:a', 'r2:succeeded:done']);
    await refresher.refresh(doc('r2', 'running', 'late'));
    await refresher.flushAll();
    expect(sent).toEqual(['r2:running:a', 'r2:succeeded:done']);
    // The final state may be sent again (the watchdog repeats a run's end after a crash).
    await refresher.now(doc('r2', 'succeeded', 'again'));
    expect(sent.at(-1)).toBe('r2:succeeded:again');
  });

  it('coalesces per run: another run is not held back', async () => {
    const { sent, refresher } = recorder();
    await refresher.refresh(doc('r3', 'running', 'a'));
    await refresher.refresh(doc('r4', 'running', 'a'));
    await refresher.refresh(doc('r3', 'running', 'b'));
    expect(sent).toEqual(['r3:running:a', 'r4:running:a']);
    await refresher.flushAll();
    expect(sent).toEqual(['r3:running:a', 'r4:running:a', 'r3:running:b']);
  });

  it('sends what waited by itself when the interval ends', async () => {
    const { sent, refresher } = recorder(20);
    await refresher.refresh(doc('r5', 'running', 'a'));
    await refresher.refresh(doc('r5', 'running', 'b'));
    await refresher.refresh(doc('r5', 'waiting', 'c'));
    await waitFor(() => sent.length === 2, 5000, 'the trailing refresh');
    expect(sent).toEqual(['r5:running:a', 'r5:waiting:c']);
  });

  it('keeps sending when one send fails (the next change renders it again)', async () => {
    const { sent, refresher } = recorder(60_000, true);
    await refresher.refresh(doc('r6', 'running', 'a'));
    await refresher.refresh(doc('r6', 'running', 'b'));
    await refresher.flushAll();
    expect(sent).toEqual(['r6:running:b']);
  });
});
