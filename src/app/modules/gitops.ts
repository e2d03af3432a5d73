import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadYamlFile } from '../../core/config/yaml-file.js';
import type { AppContext, Module } from '../../core/module.js';
import { githubDeploymentsConfig, type GitHubDeploymentsConfig } from '../../domain/gitops/config.js';
import { GITHUB_DEPLOYMENT_JOB, GitHubDeployments } from '../../domain/gitops/deployments.js';
import type { GitHubDeploymentsClient } from '../../domain/gitops/ports.js';
import type { ArgoCdClient } from '../../domain/pipelines/kinds/argocd-client.js';
import { argocdKind } from '../../domain/pipelines/kinds/argocd.js';
import { servicesOf, STAGE_KINDS } from '../../domain/services.js';

export interface GitOpsOptions {
  /** Argo CD's REST API; the argocd kind fails at once, saying so, when it is not configured. */
  argocd?: ArgoCdClient;
  /** GitHub's deployments API; no deployment is recorded without it. */
  github?: GitHubDeploymentsClient;
  /** How often Argo CD is polled (ms). */
  pollMs: number;
  /** config/github-deployments.yml unless given; a missing file records no deployment. */
  deploymentsFile?: string;
  /** Attempts and backoff base of each GitHub status update (10 and 5 s unless given). */
  deploymentAttempts?: number;
  deploymentBackoffMs?: number;
}

/**
 * GitOps delivery: the `argocd` stage kind (registered in STAGE_KINDS, so workflows validate
 * against it wherever pipelines run) and GitHub deployments following the runs of the pipelines
 * config/github-deployments.yml lists, driven by the run events.
 */
export function createGitOpsModule(ctx: AppContext, o: GitOpsOptions): Module {
  servicesOf(ctx).add(STAGE_KINDS, argocdKind(o.argocd, { pollMs: o.pollMs }));
  const file = o.deploymentsFile ?? join(ctx.configDir, 'github-deployments.yml');
  const config: GitHubDeploymentsConfig = existsSync(file) ? loadYamlFile(file, githubDeploymentsConfig) : { pipelines: {} };
  const deployments = new GitHubDeployments(ctx, o.github, () => config, {
    attempts: o.deploymentAttempts ?? 10,
    backoffMs: o.deploymentBackoffMs ?? 5000,
  });
  return {
    name: 'gitops',
    subscriptions: deployments.subscriptions(),
    jobs: [deployments.processor()],
    enqueues: [GITHUB_DEPLOYMENT_JOB.name],
  };
}
