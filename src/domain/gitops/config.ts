import { z } from 'zod';

/**
 * config/github-deployments.yml: which pipelines record their runs as GitHub deployments, and in
 * which repository. A pipeline not listed records none. The file is optional.
 *
 *   pipelines:
 *     web-deploy:
 *       repo: acme/web
 *       environment_urls: { staging: https://staging.web.example.com }
 */
const repo = z
  .string()
  .regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name')
  .refine((r) => r.split('/').every((p) => p !== '.' && p !== '..'), 'owner/name, neither "." nor ".."');

export const githubDeploymentsConfig = z
  .object({
    pipelines: z
      .record(
        z.string(),
        z
          .object({
            repo,
            /** Only these environments (all of the pipeline's when left out). */
            environments: z.array(z.string().min(1)).optional(),
            /** The address of each environment, shown by GitHub beside the deployment. */
            environment_urls: z.record(z.string(), z.url()).default({}),
          })
          .strict(),
      )
      .default({}),
  })
  .strict();

export type GitHubDeploymentsConfig = z.infer<typeof githubDeploymentsConfig>;
export type DeploymentTarget = GitHubDeploymentsConfig['pipelines'][string];

/** The repository a run of `pipeline` to `env` is recorded in, if any. */
export function targetOf(config: GitHubDeploymentsConfig, pipeline: string, env: string): DeploymentTarget | undefined {
  const t = config.pipelines[pipeline];
  if (!t || (t.environments && !t.environments.includes(env))) return undefined;
  return t;
}
