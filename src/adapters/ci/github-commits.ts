import type { CommitTimes } from '../../domain/metrics/change-clock.js';
import { json, pathSegment, request } from './http.js';

const SOURCE = 'GitHub';

/**
 * The time of the commit a ref names (`GET /repos/{owner}/{repo}/commits/{ref}`): where a change's
 * lead time starts. The committer date is when the change landed on the branch (the author date
 * may be days older for a rebased commit). A ref GitHub does not know (404, 422) has no time.
 */
export class GitHubCommitTimes implements CommitTimes {
  constructor(private readonly o: { baseUrl: string; token: string }) {}

  async commitTime(repo: string, ref: string): Promise<number | null> {
    const [owner, name] = repo.split('/');
    if (!owner || !name) return null;
    const url =
      `${this.o.baseUrl.replace(/\/$/, '')}/repos/${pathSegment(owner, 'the repo owner')}/${pathSegment(name, 'the repo name')}` +
      `/commits/${pathSegment(ref, 'the ref')}`;
    const res = await request(SOURCE, url, {
      headers: {
        authorization: `Bearer ${this.o.token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'switchyard',
      },
      signal: AbortSignal.timeout(5000),
    });
    if (res.status !== 200) return null;
    const body = json<{ commit?: { committer?: { date?: string }; author?: { date?: string } } }>(SOURCE, res);
    const at = Date.parse(body.commit?.committer?.date ?? body.commit?.author?.date ?? '');
    return Number.isFinite(at) ? at : null;
  }
}
