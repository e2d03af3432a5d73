import { describe, expect, it } from 'vitest';
import { plan, type RunbookRun, type StepStatus } from '../../src/domain/runbooks/model.js';
import { runbookSchema } from '../../src/domain/runbooks/schema.js';

// The pure step that moves a run on (plan() in model.ts), one row per situation: which steps the
// conditions skip, and whether the run readies a step for a person, starts one, waits or ends.
const def = runbookSchema.parse({
  name: 'table',
  title: 'Table',
  allow: { roles: ['noc'] },
  steps: [
    { id: 'ask', title: 'Ask', instruction: 'Read it', ask: { label: 'Rate', number: true } },
    { id: 'probe', title: 'Probe', continue_on_failure: true, run: { kind: 'shell', with: { command: 'true' } } },
    {
      id: 'fix',
      title: 'Fix',
      when: { step: 'probe', result: 'failed' },
      confirm: true,
      run: { kind: 'shell', with: { command: 'true' } },
    },
    { id: 'high', title: 'High', when: { step: 'ask', value: { above: 5 } }, pipeline: { name: 'p' } },
    { id: 'done', title: 'Done', instruction: 'Check' },
  ],
});

function runWith(statuses: StepStatus[], value?: string): RunbookRun {
  return {
    id: 'RB-1',
    runbook: 'table',
    def,
    file: 'table.yml',
    hash: 'h',
    channel: 'C1',
    messageKey: 'k',
    startedBy: 'U1',
    createdAt: 0,
    status: 'running',
    steps: def.steps.map((s, i) => ({ id: s.id, status: statuses[i]!, gen: 0, ...(i === 0 && value !== undefined ? { value } : {}) })),
  };
}

describe('plan(): how a runbook run moves on', () => {
  const rows: Array<[string, StepStatus[], string | undefined, string, StepStatus[]]> = [
    [
      'a new run readies its manual first step',
      ['pending', 'pending', 'pending', 'pending', 'pending'],
      undefined,
      'ready 0',
      ['pending', 'pending', 'pending', 'pending', 'pending'],
    ],
    [
      'an automated step without confirm starts on its own',
      ['done', 'pending', 'pending', 'pending', 'pending'],
      '7',
      'start 1',
      ['done', 'pending', 'pending', 'pending', 'pending'],
    ],
    [
      'a step under way: wait',
      ['done', 'running', 'pending', 'pending', 'pending'],
      '7',
      'wait',
      ['done', 'running', 'pending', 'pending', 'pending'],
    ],
    [
      'probe failed (allowed to): the confirmed fix waits for a person',
      ['done', 'failed', 'pending', 'pending', 'pending'],
      '7',
      'ready 2',
      ['done', 'failed', 'pending', 'pending', 'pending'],
    ],
    [
      'probe succeeded: fix is skipped, a high value starts the pipeline',
      ['done', 'succeeded', 'pending', 'pending', 'pending'],
      '7',
      'start 3',
      ['done', 'succeeded', 'skipped', 'pending', 'pending'],
    ],
    [
      'a low value skips the pipeline too',
      ['done', 'succeeded', 'pending', 'pending', 'pending'],
      '2',
      'ready 4',
      ['done', 'succeeded', 'skipped', 'skipped', 'pending'],
    ],
    [
      'a skipped ask has no value: the value condition does not hold',
      ['skipped', 'succeeded', 'pending', 'pending', 'pending'],
      undefined,
      'ready 4',
      ['skipped', 'succeeded', 'skipped', 'skipped', 'pending'],
    ],
    [
      'every step settled: completed',
      ['done', 'failed', 'succeeded', 'skipped', 'done'],
      '2',
      'finish completed',
      ['done', 'failed', 'succeeded', 'skipped', 'done'],
    ],
  ];
  it.each(rows)('%s', (_name, statuses, value, move, after) => {
    const p = plan(runWith(statuses, value), 1000);
    const m = p.move;
    expect(m.kind === 'finish' ? `finish ${m.status}` : m.kind === 'wait' ? 'wait' : `${m.kind} ${m.index}`).toBe(move);
    expect(p.steps.map((s) => s.status)).toEqual(after);
  });

  it('ends the run as failed when a step that may not fail failed', () => {
    const failing = runbookSchema.parse({ ...def, steps: def.steps.map((s) => ({ ...s, continue_on_failure: false })) });
    const p = plan({ ...runWith(['done', 'failed', 'pending', 'pending', 'pending'], '7'), def: failing }, 1000);
    expect(p.move).toEqual({ kind: 'finish', status: 'failed' });
  });
});
