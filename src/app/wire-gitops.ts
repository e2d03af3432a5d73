import type { ModuleFactory } from '../core/module.js';
import { ArgoCdHttpClient } from '../adapters/argocd/argocd-client.js';
import { GitHubDeploymentsHttpClient } from '../adapters/github-deployments/client.js';
import { withSettings } from './module-settings.js';
import { createGitOpsModule, type GitOpsOptions } from './modules/gitops.js';

export interface GitOpsWiring extends Partial<Omit<GitOpsOptions, 'argocd' | 'github'>> {
  /** Override the addresses from settings (tests point them at loopback fakes). */
  argocdUrl?: string;
  githubUrl?: string;
}

/** Argo CD (ARGOCD_URL, with ARGOCD_TOKEN or a stage's own token) and GitHub deployments (GITHUB_TOKEN). */
const GITOPS_SETTINGS = ['ARGOCD_URL', 'ARGOCD_TOKEN', 'GITHUB_API_URL', 'GITHUB_TOKEN', 'CI_POLL_MS'] as const;

export function makeGitOpsModule(w: GitOpsWiring = {}): ModuleFactory {
  return withSettings(GITOPS_SETTINGS, (ctx, s) => {
    const argocdUrl = w.argocdUrl ?? s.ARGOCD_URL;
    return createGitOpsModule(ctx, {
      pollMs: s.CI_POLL_MS,
      ...w,
      ...(argocdUrl ? { argocd: new ArgoCdHttpClient({ baseUrl: argocdUrl, ...(s.ARGOCD_TOKEN ? { token: s.ARGOCD_TOKEN } : {}) }) } : {}),
      ...(s.GITHUB_TOKEN
        ? { github: new GitHubDeploymentsHttpClient({ baseUrl: w.githubUrl ?? s.GITHUB_API_URL, token: s.GITHUB_TOKEN }) }
        : {}),
    });
  });
}

export const gitopsModule: ModuleFactory = makeGitOpsModule();
