import { describe, expect, it } from 'vitest';
import { mention } from '../../src/core/blocks.js';
import type { RunStatus, StageStatus } from '../../src/domain/contracts.js';
import type { RunDoc, StageState } from '../../src/domain/pipelines/model.js';
import { step } from '../../src/domain/pipelines/orchestrator.js';

// The pure step that decides a run's next move, one row per run state. Each row names what the
// step must do: which stages it hands to the queue, which it skips or cancels (with the summary a
// person reads), and the run's resulting status and reason; `null` means "nothing changes", which
// is what makes a repeated advance (a stage finished, a gate resolved, the watchdog) harmless.

const NOW = 1_000_000;
const EARLIER = NOW - 60_000;

type StageRow = [id: string, status: StageStatus, needs?: string[], extra?: Partial<StageState>];

function stage([id, status, needs = [], extra = {}]: StageRow): StageState {
  return {
    id,
    kind: 'shell',
    status,
    needs,
    with: {},
    attempt: status === 'pending' ? 0 : 1,
    maxAttempts: 3,
    backoffMs: 1000,
    timeoutMs: 60_000,
    gen: status === 'pending' ? 0 : 1,
    ...extra,
  };
}

function runDoc(stages: StageRow[], extra: Partial<RunDoc> = {}): RunDoc {
  return {
    id: 'r42',
    pipeline: 'demo-deploy',
    service: 'demo',
    teamChannel: 'C0DEPLOYS',
    env: 'staging',
    ref: 'main',
    params: {},
    triggeredBy: 'U0BOB',
    channel: 'C0DEPLOYS',
    status: 'running',
    createdAt: EARLIER,
    startedAt: EARLIER,
    messageKey: 'run-r42',
    stages: stages.map(stage),
    ...extra,
  };
}

interface Decision {
  /** Stages handed to the queue now (pending before, running/queued after). */
  enqueue: string[];
  /** Stages skipped now, with their summary. */
  skip: Record<string, string>;
  /** Stages cancelled now, with their summary. */
  cancel: Record<string, string>;
  status: RunStatus;
  reason?: string;
}

function decisionOf(before: RunDoc, after: RunDoc): Decision {
  const was = new Map(before.stages.map((s) => [s.id, s]));
  const changed = (status: StageStatus) => after.stages.filter((s) => s.status === status && was.get(s.id)!.status !== status);
  return {
    enqueue: changed('running').map((s) => s.id),
    skip: Object.fromEntries(changed('skipped').map((s) => [s.id, String(s.summary)])),
    cancel: Object.fromEntries(changed('cancelled').map((s) => [s.id, String(s.summary)])),
    status: after.status,
    ...(after.reason !== undefined ? { reason: after.reason } : {}),
  };
}

const CANCEL = { cancelRequested: { by: 'U0BOB', at: EARLIER } };
const noop: Omit<Decision, 'status'> = { enqueue: [], skip: {}, cancel: {} };

interface Row {
  name: string;
  stages: StageRow[];
  run?: Partial<RunDoc>;
  expect: Decision | null;
}

const rows: Row[] = [
  // ---- starting and the DAG
  {
    name: 'a new run starts only the stages without needs',
    stages: [
      ['build', 'pending'],
      ['test', 'pending', ['build']],
      ['deploy', 'pending', ['test']],
    ],
    expect: { ...noop, enqueue: ['build'], status: 'running' },
  },
  {
    name: 'independent roots start together',
    stages: [
      ['lint', 'pending'],
      ['unit', 'pending'],
      ['deploy', 'pending', ['lint', 'unit']],
    ],
    expect: { ...noop, enqueue: ['lint', 'unit'], status: 'running' },
  },
  {
    name: 'diamond: both branches start once the root succeeded',
    stages: [
      ['build', 'succeeded'],
      ['test', 'pending', ['build']],
      ['lint', 'pending', ['build']],
      ['deploy', 'pending', ['test', 'lint']],
    ],
    expect: { ...noop, enqueue: ['test', 'lint'], status: 'running' },
  },
  {
    name: 'diamond: the join waits while one branch still runs',
    stages: [
      ['build', 'succeeded'],
      ['test', 'succeeded', ['build']],
      ['lint', 'running', ['build'], { phase: 'executing' }],
      ['deploy', 'pending', ['test', 'lint']],
    ],
    expect: null,
  },
  {
    name: 'diamond: the join starts when both branches succeeded',
    stages: [
      ['build', 'succeeded'],
      ['test', 'succeeded', ['build']],
      ['lint', 'succeeded', ['build']],
      ['deploy', 'pending', ['test', 'lint']],
    ],
    expect: { ...noop, enqueue: ['deploy'], status: 'running' },
  },
  {
    name: 'diamond: a failed branch skips the join at once, the run waits for the other branch',
    stages: [
      ['build', 'succeeded'],
      ['test', 'failed', ['build'], { summary: 'exit 3' }],
      ['lint', 'running', ['build'], { phase: 'executing' }],
      ['deploy', 'pending', ['test', 'lint']],
    ],
    expect: { ...noop, skip: { deploy: 'not run: test failed' }, status: 'running' },
  },
  {
    name: 'diamond: the run fails once the other branch ends, naming the failed stage',
    stages: [
      ['build', 'succeeded'],
      ['test', 'failed', ['build'], { summary: 'exit 3' }],
      ['lint', 'succeeded', ['build']],
      ['deploy', 'skipped', ['test', 'lint'], { skip: 'upstream' }],
    ],
    expect: { ...noop, status: 'failed', reason: 'stage test failed: exit 3' },
  },
  {
    name: 'a failure skips the whole chain after it in one step',
    stages: [
      ['build', 'failed'],
      ['test', 'pending', ['build']],
      ['deploy', 'pending', ['test']],
      ['notify', 'pending', ['deploy']],
    ],
    expect: {
      ...noop,
      skip: { test: 'not run: build failed', deploy: 'not run: test did not run', notify: 'not run: deploy did not run' },
      status: 'failed',
      reason: 'stage build failed',
    },
  },
  {
    name: 'a stage already queued or executing is left alone (no second enqueue)',
    stages: [
      ['build', 'running', [], { phase: 'queued' }],
      ['test', 'running', [], { phase: 'executing', attempt: 2 }],
      ['deploy', 'pending', ['build', 'test']],
    ],
    expect: null,
  },
  {
    name: 'a stage retried in place (attempt 2 of 3, back in the queue) keeps the run running',
    stages: [
      ['build', 'succeeded'],
      ['deploy', 'running', ['build'], { phase: 'queued', attempt: 2, gen: 2 }],
    ],
    run: { status: 'waiting' },
    expect: { ...noop, status: 'running' },
  },
  {
    name: 'every stage succeeded: the run succeeds',
    stages: [
      ['build', 'succeeded'],
      ['deploy', 'succeeded', ['build']],
    ],
    expect: { ...noop, status: 'succeeded' },
  },
  {
    name: 'a run already ended is left as it is',
    stages: [
      ['build', 'succeeded'],
      ['deploy', 'failed', ['build']],
    ],
    run: { status: 'failed', finishedAt: EARLIER, reason: 'stage deploy failed' },
    expect: null,
  },

  // ---- fail fast: once a stage failed (or was cancelled), nothing new starts, even off its path
  {
    name: 'fail-fast: a stage whose own needs succeeded is not started after another branch failed',
    stages: [
      ['migrate', 'failed', [], { summary: 'lock timeout' }],
      ['build', 'succeeded'],
      ['deploy', 'pending', ['build']],
    ],
    expect: { ...noop, skip: { deploy: 'not run: migrate failed' }, status: 'failed', reason: 'stage migrate failed: lock timeout' },
  },
  {
    name: 'fail-fast: pending stages off the failed path are skipped, not started, while another branch still runs',
    stages: [
      ['unit', 'failed'],
      ['e2e', 'running', [], { phase: 'executing' }],
      ['docs', 'pending', ['e2e']],
      ['audit', 'pending'],
    ],
    expect: { ...noop, skip: { docs: 'not run: unit failed', audit: 'not run: unit failed' }, status: 'running' },
  },
  {
    name: 'fail-fast: a stage cancelled on its own (no cancel asked) stops the rest too, and fails the run',
    stages: [
      ['approve', 'cancelled', [], { summary: 'gate closed' }],
      ['build', 'succeeded'],
      ['deploy', 'pending', ['build']],
    ],
    expect: { ...noop, skip: { deploy: 'not run: approve cancelled' }, status: 'failed' },
  },

  // ---- skipped needs: environments filter, retry --from, upstream
  {
    name: 'environments filter: a need skipped as not for this env lets its dependents go on',
    stages: [
      ['build', 'succeeded'],
      ['smoke', 'skipped', ['build'], { skip: 'not-for-env', summary: 'not for staging' }],
      ['deploy', 'pending', ['smoke']],
    ],
    expect: { ...noop, enqueue: ['deploy'], status: 'running' },
  },
  {
    name: 'environments filter: a run whose every stage is for another env succeeds at once',
    stages: [
      ['canary', 'skipped', [], { skip: 'not-for-env' }],
      ['promote', 'skipped', ['canary'], { skip: 'not-for-env' }],
    ],
    expect: { ...noop, status: 'succeeded' },
  },
  {
    name: 'a need skipped because its own upstream failed blocks its dependents ("did not run")',
    stages: [
      ['build', 'failed'],
      ['test', 'skipped', ['build'], { skip: 'upstream' }],
      ['lint', 'succeeded'],
      ['deploy', 'pending', ['lint', 'test']],
    ],
    expect: { ...noop, skip: { deploy: 'not run: test did not run' }, status: 'failed', reason: 'stage build failed' },
  },
  {
    name: 'retry --from deploy: the stages kept from the retried run count as done',
    stages: [
      ['build', 'skipped', [], { skip: 'reused' }],
      ['test', 'skipped', ['build'], { skip: 'reused' }],
      ['deploy', 'pending', ['test']],
      ['notify', 'pending', ['deploy']],
    ],
    run: { retryOf: 'r41' },
    expect: { ...noop, enqueue: ['deploy'], status: 'running' },
  },
  {
    name: 'retry --from test on a diamond: the kept root and branch let the re-run branch and then the join go',
    stages: [
      ['build', 'skipped', [], { skip: 'reused' }],
      ['test', 'succeeded', ['build']],
      ['lint', 'skipped', ['build'], { skip: 'reused' }],
      ['deploy', 'pending', ['test', 'lint']],
    ],
    run: { retryOf: 'r41' },
    expect: { ...noop, enqueue: ['deploy'], status: 'running' },
  },
  {
    name: 'retry --from with a stage not for this env among the kept ones: still satisfied',
    stages: [
      ['build', 'skipped', [], { skip: 'reused' }],
      ['smoke', 'skipped', ['build'], { skip: 'not-for-env' }],
      ['deploy', 'pending', ['smoke']],
    ],
    run: { retryOf: 'r41' },
    expect: { ...noop, enqueue: ['deploy'], status: 'running' },
  },

  {
    name: 'a promotion: the build stages it skipped count as done, so the deploy goes',
    stages: [
      ['build', 'skipped', [], { skip: 'promoted' }],
      ['deploy', 'pending', ['build']],
    ],
    run: { promotedFrom: 'r41', env: 'production' },
    expect: { ...noop, enqueue: ['deploy'], status: 'running' },
  },

  // ---- a gate waiting
  {
    name: 'a gate waiting with nothing running: the run is waiting, its dependents stay pending',
    stages: [
      ['build', 'succeeded'],
      ['approve', 'waiting', ['build']],
      ['deploy', 'pending', ['approve']],
    ],
    expect: { ...noop, status: 'waiting' },
  },
  {
    name: 'a gate waiting, run already marked waiting: nothing changes',
    stages: [
      ['build', 'succeeded'],
      ['approve', 'waiting', ['build']],
      ['deploy', 'pending', ['approve']],
    ],
    run: { status: 'waiting' },
    expect: null,
  },
  {
    name: 'a gate waiting while another branch runs: the run is running',
    stages: [
      ['approve', 'waiting'],
      ['build', 'running', [], { phase: 'executing' }],
      ['deploy', 'pending', ['approve', 'build']],
    ],
    run: { status: 'waiting' },
    expect: { ...noop, status: 'running' },
  },
  {
    name: 'the gate approved: the run goes on past it',
    stages: [
      ['build', 'succeeded'],
      ['approve', 'succeeded', ['build']],
      ['deploy', 'pending', ['approve']],
    ],
    run: { status: 'waiting' },
    expect: { ...noop, enqueue: ['deploy'], status: 'running' },
  },
  {
    name: 'the gate rejected: the rest is skipped and the run fails with the rejection',
    stages: [
      ['build', 'succeeded'],
      ['approve', 'failed', ['build'], { summary: 'Rejected by U0CAROL' }],
      ['deploy', 'pending', ['approve']],
    ],
    run: { status: 'waiting' },
    expect: { ...noop, skip: { deploy: 'not run: approve failed' }, status: 'failed', reason: 'stage approve failed: Rejected by U0CAROL' },
  },

  // ---- cancellation
  {
    name: 'cancel while stages run: queued and pending stages and a waiting gate are cancelled, the executing one is let finish',
    stages: [
      ['build', 'succeeded'],
      ['test', 'running', ['build'], { phase: 'executing' }],
      ['lint', 'running', ['build'], { phase: 'queued' }],
      ['approve', 'waiting', ['build']],
      ['deploy', 'pending', ['test', 'lint', 'approve']],
    ],
    run: CANCEL,
    expect: { ...noop, cancel: { lint: 'cancelled', approve: 'cancelled', deploy: 'not run: cancelled' }, status: 'running' },
  },
  {
    name: 'cancel: once the executing stage has stopped, the run is cancelled, saying by whom',
    stages: [
      ['build', 'succeeded'],
      ['test', 'cancelled', ['build']],
      ['deploy', 'cancelled', ['test'], { summary: 'not run: cancelled' }],
    ],
    run: CANCEL,
    expect: { ...noop, status: 'cancelled', reason: `cancelled by ${mention('U0BOB')}` },
  },
  {
    name: 'cancel with only a gate waiting ends the run at once',
    stages: [
      ['build', 'succeeded'],
      ['approve', 'waiting', ['build']],
      ['deploy', 'pending', ['approve']],
    ],
    run: { ...CANCEL, status: 'waiting' },
    expect: {
      ...noop,
      cancel: { approve: 'cancelled', deploy: 'not run: cancelled' },
      status: 'cancelled',
      reason: `cancelled by ${mention('U0BOB')}`,
    },
  },
  {
    name: 'cancel wins over a failure: the run is cancelled, not failed',
    stages: [
      ['build', 'failed', [], { summary: 'exit 1' }],
      ['deploy', 'pending', ['build']],
    ],
    run: CANCEL,
    expect: { ...noop, cancel: { deploy: 'not run: cancelled' }, status: 'cancelled', reason: `cancelled by ${mention('U0BOB')}` },
  },
  {
    name: 'cancel: a stage that is ready to start is cancelled instead',
    stages: [
      ['build', 'succeeded'],
      ['deploy', 'pending', ['build']],
    ],
    run: CANCEL,
    expect: { ...noop, cancel: { deploy: 'not run: cancelled' }, status: 'cancelled', reason: `cancelled by ${mention('U0BOB')}` },
  },
];

describe('orchestration step()', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const before = runDoc(row.stages, row.run);
    const frozen = structuredClone(before);
    const next = step(before, NOW);
    expect(before).toEqual(frozen); // pure: the stored run is not touched, the caller writes the copy
    if (row.expect === null) {
      expect(next).toBeNull();
      return;
    }
    expect(next).not.toBeNull();
    expect(decisionOf(before, next!)).toEqual(row.expect);
    for (const id of row.expect.enqueue) {
      const [was, now] = [before.stages.find((s) => s.id === id)!, next!.stages.find((s) => s.id === id)!];
      // A fresh generation fences the job id and the lease: a repeat enqueue is the same job.
      expect(now).toMatchObject({ phase: 'queued', gen: was.gen + 1, queuedAt: NOW });
    }
    for (const id of Object.keys(row.expect.cancel))
      expect(next!.stages.find((s) => s.id === id)).toMatchObject({ finishedAt: NOW, phase: undefined });
    const ended = ['succeeded', 'failed', 'cancelled'].includes(next!.status);
    expect(next!.finishedAt).toBe(ended ? NOW : before.finishedAt);
    // A second step on the result changes nothing: advance may be called again at any time.
    expect(step(next!, NOW + 1)).toBeNull();
  });
});
