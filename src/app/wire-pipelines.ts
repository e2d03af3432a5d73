import type { ModuleFactory } from '../core/module.js';
import { withSettings } from './module-settings.js';
import { ChildProcessShellRunner } from '../adapters/ci/shell-runner.js';
import { RedisStageProcesses } from '../adapters/process/stage-processes.js';
import { FetchWebhookCaller } from '../adapters/ci/http.js';
import { GitHubActionsHttpClient } from '../adapters/ci/github-actions.js';
import { GitLabHttpClient } from '../adapters/ci/gitlab.js';
import { JenkinsHttpClient } from '../adapters/ci/jenkins.js';
import { createPipelinesModule, type PipelinesOptions } from './modules/pipelines.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerraformCli } from '../adapters/terraform/cli.js';
import { AwsCloudFormation, type CloudFormationOptions } from '../adapters/cloudformation/client.js';

export interface PipelinesWiring extends Omit<PipelinesOptions, 'adapters'> {
  /** Override the CI addresses from settings (tests point them at loopback fakes). */
  githubUrl?: string;
  gitlabUrl?: string;
  jenkinsUrl?: string;
  pollMs?: number;
  /** CloudFormation endpoint and credentials (tests point it at a loopback fake). */
  cloudformation?: Partial<CloudFormationOptions>;
}

/** The settings pipelines reads: CI backends, the environment of shell stages, the drain on stop. */
const PIPELINES_SETTINGS = [
  'GITHUB_API_URL',
  'GITHUB_TOKEN',
  'GITLAB_URL',
  'GITLAB_TRIGGER_TOKEN',
  'GITLAB_TOKEN',
  'JENKINS_URL',
  'JENKINS_USER',
  'JENKINS_API_TOKEN',
  'CI_POLL_MS',
  'COMMAND_ENV',
  'SHUTDOWN_GRACE_MS',
  'RUN_RETENTION_DAYS',
  'AUDIT_RETENTION_DAYS',
  'TERRAFORM_BIN',
  'TERRAFORM_ROOT',
  'TERRAFORM_PLAN_DIR',
  'AWS_REGION',
  'CLOUDFORMATION_ENDPOINT',
] as const;

/**
 * Pipelines with their adapters built from settings: the shell runner, webhook calls and a CI
 * client for each backend that has its address and credentials (GITHUB_TOKEN; GITLAB_URL with
 * GITLAB_TRIGGER_TOKEN; JENKINS_URL with JENKINS_USER and JENKINS_API_TOKEN). A stage of a kind
 * whose backend is not configured fails at once saying which settings are missing.
 */
export function makePipelinesModule(w: PipelinesWiring = {}): ModuleFactory {
  return withSettings(PIPELINES_SETTINGS, (ctx, s) => {
    const githubUrl = w.githubUrl ?? s.GITHUB_API_URL;
    const gitlabUrl = w.gitlabUrl ?? s.GITLAB_URL;
    const jenkinsUrl = w.jenkinsUrl ?? s.JENKINS_URL;
    const processes = new RedisStageProcesses(ctx.store, ctx.log);
    const shell = new ChildProcessShellRunner(s.COMMAND_ENV, processes);
    const { cloudformation: cfn, ...rest } = w;
    const region = cfn?.region ?? s.AWS_REGION;
    const endpoint = cfn?.endpoint ?? s.CLOUDFORMATION_ENDPOINT;
    return createPipelinesModule(ctx, {
      processes,
      shutdownGraceMs: s.SHUTDOWN_GRACE_MS,
      retention: { runRetentionDays: s.RUN_RETENTION_DAYS, auditRetentionDays: s.AUDIT_RETENTION_DAYS },
      ...rest,
      iac: {
        terraform: new TerraformCli(shell, {
          bin: s.TERRAFORM_BIN,
          root: s.TERRAFORM_ROOT,
          planDir: s.TERRAFORM_PLAN_DIR ?? join(tmpdir(), 'switchyard-plans'),
        }),
        ...(region ? { cloudformation: new AwsCloudFormation({ ...cfn, region, ...(endpoint ? { endpoint } : {}) }) } : {}),
      },
      adapters: {
        shell,
        webhook: new FetchWebhookCaller(),
        pollMs: w.pollMs ?? s.CI_POLL_MS,
        ...(s.GITHUB_TOKEN ? { github: new GitHubActionsHttpClient({ baseUrl: githubUrl, token: s.GITHUB_TOKEN }) } : {}),
        ...(gitlabUrl && s.GITLAB_TRIGGER_TOKEN
          ? {
              gitlab: new GitLabHttpClient({
                baseUrl: gitlabUrl,
                triggerToken: s.GITLAB_TRIGGER_TOKEN,
                ...(s.GITLAB_TOKEN ? { token: s.GITLAB_TOKEN } : {}),
              }),
            }
          : {}),
        ...(jenkinsUrl && s.JENKINS_USER && s.JENKINS_API_TOKEN
          ? { jenkins: new JenkinsHttpClient({ baseUrl: jenkinsUrl, user: s.JENKINS_USER, token: s.JENKINS_API_TOKEN }) }
          : {}),
      },
    });
  });
}

export const pipelinesModule: ModuleFactory = makePipelinesModule();
