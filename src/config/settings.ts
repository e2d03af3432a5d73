import { z } from 'zod';
import { ConfigError } from '../core/errors.js';

/**
 * Every setting Switchyard reads, parsed once at start-up. This is the only file that reads
 * process.env (main.ts passes it in); everything else receives a typed Settings object.
 */
const optionalUrl = z.url().optional();
const ms = (def: number) => z.coerce.number().int().nonnegative().default(def);
/** `host:port,host:port`: hosts are names or IPv4 addresses. */
const hostPorts = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/, 'host:port pairs separated by commas');
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const settingsSchema = z
  .object({
    SLACK_BOT_TOKEN: z
      .string()
      .regex(/^xoxb-/, 'a bot token starting with xoxb-')
      .optional(),
    SLACK_SIGNING_SECRET: z.string().min(8, 'the app signing secret').optional(),
    SLACK_APP_TOKEN: z
      .string()
      .regex(/^xapp-/, 'an app-level token starting with xapp-')
      .optional(),
    SLACK_API_URL: optionalUrl,
    SLACK_BOT_USER_ID: z
      .string()
      .regex(/^[UW][A-Z0-9]+$/)
      .optional(),
    SLACK_BOT_ID: z
      .string()
      .regex(/^B[A-Z0-9]+$/)
      .optional(),
    /** Minimum spacing of messages posted to one channel (Slack allows about 1 per second). */
    SLACK_CHANNEL_INTERVAL_MS: ms(1100),
    /** `tiers`: Tier 2 and 3 Web API methods keep to their floor per minute, shared by all processes. */
    SLACK_RATE_LIMITER: z.enum(['tiers', 'off']).default('tiers'),
    /** Multiplies Slack's Retry-After (keep 1; tests shrink it to exercise long waits quickly). */
    SLACK_RETRY_AFTER_SCALE: z.coerce.number().positive().max(1).default(1),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    /** `npm start` without Slack credentials: the local workspace's browser page, on 127.0.0.1 (0 = a free port). */
    LOCAL_UI_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
      .default('redis://127.0.0.1:6379'),
    /** Key prefix for every Redis and BullMQ key; braces keep them in one cluster slot. */
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _')
      .default('switchyard'),
    /** Sentinel mode: the Sentinels to ask for the current master (`host:port,host:port`). */
    REDIS_SENTINELS: hostPorts.optional(),
    /** The master name the Sentinels monitor (`sentinel monitor NAME ...`). */
    REDIS_SENTINEL_NAME: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ., - and _')
      .optional(),
    /** Password of the Sentinels themselves (the data nodes take REDIS_URL's credentials). */
    REDIS_SENTINEL_PASSWORD: z.string().optional(),
    /** Cluster mode: some of the cluster's nodes (`host:port,...`); the rest are discovered. */
    REDIS_CLUSTER_NODES: hostPorts.optional(),
    /**
     * Replicas that must acknowledge a run, gate, incident or audit write (Redis WAIT) before it
     * counts as done; defaults to 1 with Sentinel, 0 otherwise.
     */
    REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).optional(),
    REDIS_WAIT_TIMEOUT_MS: ms(500),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CONFIG_DIR: z.string().default('config'),
    WORKFLOWS_DIR: z.string().default('workflows'),
    /** Where `npm start` keeps a private redis-server's data when none answers. */
    DATA_DIR: z.string().default('.switchyard'),
    PUBLIC_URL: optionalUrl,

    VAULT_ADDR: optionalUrl,
    VAULT_TOKEN: z.string().optional(),
    VAULT_ROLE_ID: z.string().optional(),
    VAULT_SECRET_ID: z.string().optional(),
    VAULT_NAMESPACE: z.string().optional(),
    VAULT_KV_MOUNT: z.string().default('secret'),
    CONSUL_HTTP_ADDR: optionalUrl,
    CONSUL_HTTP_TOKEN: z.string().optional(),
    CONSUL_PREFIX: z.string().default('switchyard'),
    CONSUL_WATCH: bool(false),
    CONFIG_CACHE_MS: ms(30_000),
    /**
     * Secret keying the fingerprints shown beside masked config values (HMAC), the same in every
     * process of a deployment. Used when injection.yml names no Vault secret for it; without
     * either, each process keys with a random key and fingerprints do not compare across processes.
     */
    CONFIG_FINGERPRINT_KEY: z.string().min(32, 'at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
    /**
     * SIGTERM drains: the worker stops taking stage jobs and lets running stages finish for up to
     * this long before interrupting them (default 10 minutes; keep the orchestrator's kill timeout,
     * e.g. Kubernetes terminationGracePeriodSeconds, above it).
     */
    SHUTDOWN_GRACE_MS: ms(600_000),
    /**
     * Days a finished run is kept (its document, history index entries and stage logs); a daily trim
     * removes older ones. Runs still queued, running or waiting at a gate are never removed.
     */
    RUN_RETENTION_DAYS: z.coerce.number().int().min(1).default(400),
    /** Days the audit trail keeps an entry (a compliance setting); the trail is also capped at 1,000,000 entries. */
    AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).default(400),

    ALERTMANAGER_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    HELPDESK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
    HELPDESK_WEBHOOK_URL: optionalUrl,
    HELPDESK_WEBHOOK_SECRET: z.string().optional(),
    /**
     * Origins (a regular expression over `scheme://host[:port]`) SNS certificates and SubscribeURLs
     * may come from. Leave it at AWS's SNS hosts; tests set their loopback fake's origin.
     */
    SNS_ORIGIN_PATTERN: z
      .string()
      .refine((p) => {
        try {
          return Boolean(new RegExp(p));
        } catch {
          return false;
        }
      }, 'a regular expression')
      .default('^https://sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$'),

    /** Ticket systems (config/tickets.yml names which of these it reads): ServiceNow basic auth. */
    SERVICENOW_USERNAME: z.string().optional(),
    SERVICENOW_PASSWORD: z.string().optional(),
    /** Jira Service Management / Jira REST: the account's email and API token (basic auth). */
    JIRA_EMAIL: z.string().optional(),
    JIRA_API_TOKEN: z.string().optional(),
    /** HMAC secret of POST /hooks/tickets (ticket updates from the help desk); the hook answers 503 without it. */
    TICKETS_WEBHOOK_SECRET: z.string().min(16, 'at least 16 characters').optional(),

    GITHUB_API_URL: z.url().default('https://api.github.com'),
    GITHUB_TOKEN: z.string().optional(),
    GITLAB_URL: optionalUrl,
    GITLAB_TRIGGER_TOKEN: z.string().optional(),
    GITLAB_TOKEN: z.string().optional(),
    JENKINS_URL: optionalUrl,
    JENKINS_USER: z.string().optional(),
    JENKINS_API_TOKEN: z.string().optional(),
    /** Argo CD's address (the argocd stage kind): https://argocd.example.com. */
    ARGOCD_URL: optionalUrl,
    /** An Argo CD account token (`argocd account generate-token`); a stage may bring its own with `with.token`. */
    ARGOCD_TOKEN: z.string().optional(),
    /** Polling interval of CI backends. */
    CI_POLL_MS: ms(5000),
    /** The `terraform` stage kind's binary: `terraform`, `tofu` for OpenTofu, or a path. */
    TERRAFORM_BIN: z
      .string()
      .regex(/^[A-Za-z0-9_./-]+$/, 'a command name or path')
      .default('terraform'),
    /** Terraform working directories (`dir:` of a stage) are relative to this. */
    TERRAFORM_ROOT: z.string().default('.'),
    /** Where saved plans are kept until applied (they hold variable values); default a private folder in TMPDIR. */
    TERRAFORM_PLAN_DIR: z.string().optional(),
    /** The `cloudformation` stage kind's region (credentials come from the AWS SDK's usual chain). */
    AWS_REGION: z.string().optional(),
    /** Another CloudFormation endpoint (a VPC endpoint, LocalStack). */
    CLOUDFORMATION_ENDPOINT: optionalUrl,
    /**
     * Extra variables that commands Switchyard runs (shell stages, scanners, the inventory
     * command) may inherit, comma-separated; a trailing * matches a prefix (`KUBECONFIG,AWS_*`).
     */
    COMMAND_ENV_PASSTHROUGH: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*\*?(,[A-Za-z_][A-Za-z0-9_]*\*?)*$/, 'variable names separated by commas, a trailing * for a prefix')
      .optional(),
  })
  .superRefine((s, ctx) => {
    // Socket Mode receives over a WebSocket opened with the app token: no request to sign, so no
    // signing secret. HTTP mode needs both; neither means the local workspace.
    if (s.SLACK_BOT_TOKEN && !s.SLACK_SIGNING_SECRET && !s.SLACK_APP_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message:
          'SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET go together (set both for Slack over HTTP,' +
          ' add SLACK_APP_TOKEN instead of the secret for Socket Mode, neither for the local workspace)',
      });
    }
    if (s.SLACK_SIGNING_SECRET && !s.SLACK_BOT_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_BOT_TOKEN'],
        message: 'SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET go together (set both for Slack, neither for the local workspace)',
      });
    }
    if (s.SLACK_APP_TOKEN && !s.SLACK_BOT_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'Socket Mode (SLACK_APP_TOKEN) also needs SLACK_BOT_TOKEN' });
    }
    if (s.REDIS_SENTINELS && !s.REDIS_SENTINEL_NAME) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_SENTINEL_NAME'],
        message: 'REDIS_SENTINELS needs REDIS_SENTINEL_NAME (the master name the Sentinels monitor)',
      });
    }
    if (s.REDIS_SENTINELS && s.REDIS_CLUSTER_NODES) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_CLUSTER_NODES'], message: 'set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both' });
    }
    // WAIT counts replicas of the node a connection talks to; a cluster spreads keys over masters.
    if (s.REDIS_CLUSTER_NODES && s.REDIS_WAIT_REPLICAS) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_WAIT_REPLICAS'],
        message: 'REDIS_WAIT_REPLICAS is for a single master with replicas (Sentinel or REDIS_URL), not REDIS_CLUSTER_NODES',
      });
    }
    if (s.VAULT_ADDR && !s.VAULT_TOKEN && !(s.VAULT_ROLE_ID && s.VAULT_SECRET_ID)) {
      ctx.addIssue({ code: 'custom', path: ['VAULT_TOKEN'], message: 'VAULT_ADDR needs VAULT_TOKEN or VAULT_ROLE_ID + VAULT_SECRET_ID' });
    }
  });

/**
 * What a command Switchyard runs (a shell stage, a scanner, the inventory command) inherits from
 * the bot's environment: these, plus COMMAND_ENV_PASSTHROUGH, but never the bot's own secrets.
 */
const COMMAND_ENV_NAMES = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];

function commandEnv(env: Record<string, string>, passthrough: string | undefined): Record<string, string> {
  const patterns = [...COMMAND_ENV_NAMES, ...(passthrough ? passthrough.split(',') : [])];
  const allowed = (name: string) =>
    !PAGING_SECRET_NAME.test(name) && patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
  const never = new Set<string>([...SECRET_SETTINGS, 'REDIS_URL']);
  return Object.fromEntries(Object.entries(env).filter(([k]) => allowed(k) && !never.has(k) && !k.startsWith(STATUSPAGE_PREFIX)));
}

export type Settings = z.infer<typeof settingsSchema> & {
  /** Environment handed to commands Switchyard runs (see COMMAND_ENV_NAMES). */
  COMMAND_ENV: Readonly<Record<string, string>>;
  /**
   * Variables named `STATUSPAGE_*`: config/statuspage.yml names the one holding its API key
   * (`api_key_env`), so the key lives only in the environment. Never handed to commands.
   */
  STATUSPAGE_ENV: Readonly<Record<string, string>>;
  /**
   * The paging tools' secrets (API tokens, routing keys, webhook secrets): every `PAGERDUTY_*` and
   * `OPSGENIE_*` variable, named in config/paging.yml. Never handed to commands Switchyard runs.
   */
  PAGING_SECRETS: Readonly<Record<string, string>>;
};

const STATUSPAGE_PREFIX = 'STATUSPAGE_';
/** Variables config/paging.yml may name for its secrets. */
export const PAGING_SECRET_NAME = /^(PAGERDUTY|OPSGENIE)_[A-Z0-9_]+$/;

/** Parses the environment; a bad value stops start-up with the variable named and what it expects. */
export function loadSettings(env: Record<string, string | undefined>): Settings {
  const relevant = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = settingsSchema.safeParse(relevant);
  if (parsed.success) {
    const env = relevant as Record<string, string>;
    const only = (test: (k: string) => boolean) => Object.fromEntries(Object.entries(env).filter(([k]) => test(k)));
    return {
      ...parsed.data,
      COMMAND_ENV: commandEnv(env, parsed.data.COMMAND_ENV_PASSTHROUGH),
      STATUSPAGE_ENV: only((k) => k.startsWith(STATUSPAGE_PREFIX)),
      PAGING_SECRETS: only((k) => PAGING_SECRET_NAME.test(k)),
    };
  }
  const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`);
  throw new ConfigError(`Invalid settings:\n  ${lines.join('\n  ')}`);
}

/** Names of settings that hold secrets: never logged, never echoed. */
export const SECRET_SETTINGS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'VAULT_TOKEN',
  'VAULT_SECRET_ID',
  'REDIS_SENTINEL_PASSWORD',
  'CONSUL_HTTP_TOKEN',
  'CONFIG_FINGERPRINT_KEY',
  'ALERTMANAGER_TOKEN',
  'HELPDESK_SECRET',
  'HELPDESK_WEBHOOK_SECRET',
  'GITHUB_TOKEN',
  'GITLAB_TRIGGER_TOKEN',
  'GITLAB_TOKEN',
  'JENKINS_API_TOKEN',
  'SERVICENOW_PASSWORD',
  'JIRA_API_TOKEN',
  'TICKETS_WEBHOOK_SECRET',
] as const;
