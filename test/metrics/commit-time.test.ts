import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubCommitTimes } from '../../src/adapters/ci/github-commits.js';
import type { PipelineService, RunInfo } from '../../src/domain/contracts.js';
import { commitChangeClock, firstKnown, planChangeClock } from '../../src/domain/metrics/change-clock.js';
import { LoopbackServer } from '../fakes/http-fake.js';

// GitHub's "get a commit" (GET /repos/{owner}/{repo}/commits/{ref}) answers the commit with
// commit.author.date and commit.committer.date (ISO 8601); an unknown ref answers 404 or 422.
const COMMITTED = '2026-11-20T08:00:00Z';
const seen: Array<{ path: string; auth: string | undefined }> = [];
const github = new LoopbackServer((req, _body, res) => {
  seen.push({ path: req.url ?? '', auth: req.headers.authorization });
  if (req.url === '/repos/acme/checkout/commits/v1.2.3') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ sha: 'abc', commit: { author: { date: '2026-11-18T08:00:00Z' }, committer: { date: COMMITTED } } }));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message: 'No commit found for SHA: nope' }));
});

const run = (o: Partial<RunInfo>): RunInfo => ({
  id: 'r1',
  pipeline: 'checkout-deploy',
  service: 'checkout',
  teamChannel: 'C0CHECKOUT',
  env: 'production',
  ref: 'v1.2.3',
  params: {},
  triggeredBy: 'U0BOB',
  channel: 'C0DEPLOYS',
  status: 'succeeded',
  createdAt: Date.parse('2026-11-21T10:00:00Z'),
  messageKey: 'run-r1',
  stages: [],
  ...o,
});

/** The pipelines contract as the metrics capability reads it: a definition with a github-actions stage. */
const pipelines = {
  definition: (name: string) =>
    name === 'checkout-deploy'
      ? {
          name,
          service: 'checkout',
          environments: ['production'],
          stages: [{ id: 'deploy', kind: 'github-actions', with: { repo: 'acme/checkout', workflow: 'deploy.yml' }, needs: [] }],
        }
      : { name, service: 'x', environments: ['production'], stages: [{ id: 's', kind: 'shell', with: {}, needs: [] }] },
} as Pick<PipelineService, 'definition'> as PipelineService;

describe('lead time from the deployed commit (GitHub)', () => {
  beforeAll(async () => {
    await github.start();
  });
  afterAll(async () => {
    await github.stop();
  });

  it('starts at the commit time GitHub gives for the ref, asking once per repo and ref', async () => {
    const clock = commitChangeClock(() => pipelines, new GitHubCommitTimes({ baseUrl: github.url, token: 'ghp-test' }));
    expect(await clock.changeStart(run({}))).toEqual({ at: Date.parse(COMMITTED), basis: 'commit' });
    expect(await clock.changeStart(run({ id: 'r2' }))).toEqual({ at: Date.parse(COMMITTED), basis: 'commit' });
    expect(seen.filter((s) => s.path === '/repos/acme/checkout/commits/v1.2.3')).toEqual([
      { path: '/repos/acme/checkout/commits/v1.2.3', auth: 'Bearer ghp-test' },
    ]);
  });

  it('has no start for a ref GitHub does not know, or a pipeline without a github-actions stage', async () => {
    const clock = commitChangeClock(() => pipelines, new GitHubCommitTimes({ baseUrl: github.url, token: 'ghp-test' }));
    expect(await clock.changeStart(run({ ref: 'nope' }))).toBeNull();
    expect(await clock.changeStart(run({ pipeline: 'other' }))).toBeNull();
  });

  it("prefers a shipped plan item's start, then the commit", async () => {
    const commits = commitChangeClock(() => pipelines, new GitHubCommitTimes({ baseUrl: github.url, token: 'ghp-test' }));
    const plan = planChangeClock(() => ({
      createItem: async () => ({ id: 'PLAN-1' }),
      get: async (id) => ({ id, title: 't', state: 'done', startedAt: Date.parse('2026-11-15T00:00:00Z') }),
      linkedItemIds: async () => [],
      addLink: async () => {},
    }));
    const clock = firstKnown(plan, commits);
    expect(await clock.changeStart(run({ params: { plan: 'PLAN-1' } }))).toEqual({ at: Date.parse('2026-11-15T00:00:00Z'), basis: 'plan' });
    expect(await clock.changeStart(run({}))).toEqual({ at: Date.parse(COMMITTED), basis: 'commit' });
  });
});
