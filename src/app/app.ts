import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { AccessControl, accessFileSchema } from '../core/access.js';
import { AuditLog } from '../core/audit.js';
import { CommandRouter } from '../core/commands/router.js';
import type { CommandSpec } from '../core/commands/spec.js';
import { loadYamlFile } from '../core/config/yaml-file.js';
import { QueuedEventBus, type Subscription } from '../core/events.js';
import { HomeService } from '../core/home.js';
import { InteractionRouter } from '../core/interactions.js';
import { ServiceRegistry } from '../core/services.js';
import type { AppContext, Module, ModuleFactory } from '../core/module.js';
import { queueOf } from '../core/ports/jobs.js';
import { systemClock, type Clock, type Logger } from '../core/ports/runtime.js';
import { HttpServer } from '../adapters/http/server.js';
import { Metrics } from '../adapters/metrics.js';
import { SlackFiles } from '../adapters/slack/files.js';
import { servicesOf } from '../domain/services.js';
import { BullmqJobQueue } from '../adapters/queue/bullmq-queue.js';
import { WorkerPool } from '../adapters/queue/worker-pool.js';
import { createRedis, redisTargetOf, type RedisConnection } from '../adapters/redis/connection.js';
import { replicaWaitOf } from '../adapters/redis/replica-wait.js';
import { RedisStore } from '../adapters/redis/store.js';
import { createBoltTransport, type BoltTransport } from '../adapters/slack/bolt-transport.js';
import { SlackChat } from '../adapters/slack/chat.js';
import { SecretRegistry } from '../core/mask.js';
import { SafeChat } from '../core/safe-chat.js';
import { adoptOutboundMark, outboundMark } from '../core/outbound.js';
import { Outbox } from '../adapters/slack/outbox.js';
import { SlackBudget } from '../adapters/slack/rate-budget.js';
import type { Settings } from '../config/settings.js';
import { coreModule } from './core-module.js';
import { settingsFor } from './module-settings.js';

export type Role = 'all' | 'web' | 'worker';

/** Commands with the subcommands other modules add to them (`/pipeline approvals`). */
function withExtensions(modules: Module[]): CommandSpec[] {
  const specs = modules.flatMap((m) => m.commands ?? []).map((c) => ({ ...c, subcommands: [...c.subcommands] }));
  for (const m of modules) {
    for (const ext of m.extendCommands ?? []) {
      const target = specs.find((c) => c.name === ext.command);
      if (!target) throw new Error(`module ${m.name} extends /${ext.command}, which no module defines`);
      if (target.subcommands.some((s) => s.name === ext.subcommand.name))
        throw new Error(`/${ext.command} ${ext.subcommand.name} defined twice`);
      target.subcommands.push(ext.subcommand);
    }
  }
  return specs;
}

export interface SlackCredentials {
  token: string;
  /** Not needed in Socket Mode (appToken). */
  signingSecret?: string;
  appToken?: string;
  apiUrl?: string;
  botId?: string;
  botUserId?: string;
}

export interface SwitchyardOptions {
  settings: Settings;
  role: Role;
  slack: SlackCredentials;
  modules: ModuleFactory[];
  log: Logger;
  clock?: Clock;
  metricsDefaults?: boolean;
}

export interface Switchyard {
  ctx: AppContext;
  commands: CommandRouter;
  interactions: InteractionRouter;
  modules: Module[];
  metrics: Metrics;
  /** The HTTP port actually bound (PORT may be 0 in tests). */
  port(): number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Builds one Switchyard process: adapters (Redis, BullMQ, Slack), the shared context, every
 * module, and, per role, the Slack transport (web) and the job workers (worker).
 */
export async function createSwitchyard(o: SwitchyardOptions): Promise<Switchyard> {
  const { settings, log } = o;
  const clock = o.clock ?? systemClock;
  const prefix = `{${settings.REDIS_PREFIX}}`;
  const redis: RedisConnection = createRedis(redisTargetOf(settings), { name: 'store', log });
  const bullRedis: RedisConnection = createRedis(redisTargetOf(settings), { forBullmq: true, name: 'queue', log });
  try {
    return await assemble(o, clock, prefix, redis, bullRedis);
  } catch (err) {
    // A refused start-up must not leave connections keeping the process alive.
    redis.disconnect();
    bullRedis.disconnect();
    throw err;
  }
}

async function assemble(
  o: SwitchyardOptions,
  clock: Clock,
  prefix: string,
  redis: RedisConnection,
  bullRedis: RedisConnection,
): Promise<Switchyard> {
  const { settings, log } = o;
  const metrics = new Metrics({ defaults: o.metricsDefaults ?? false });
  const store = new RedisStore(redis, prefix, { ...replicaWaitOf(settings), log });
  // One anti-forgery marker per installation for the bot's own mentions (see core/outbound.ts).
  const markKey = store.key('outbound-mark');
  await redis.set(markKey, outboundMark(), 'NX');
  adoptOutboundMark((await redis.get(markKey)) ?? outboundMark());
  // BullMQ keys live under `<prefix>:q` so a queue named like a store key (`pipeline`) can never
  // collide with domain state; the braces keep both in one Cluster slot.
  const queuePrefix = `${prefix}:q`;
  const jobs = new BullmqJobQueue({ connection: bullRedis, prefix: queuePrefix, log });
  const client = new WebClient(o.slack.token, {
    ...(o.slack.apiUrl ? { slackApiUrl: o.slack.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  // Every module talks to Slack through the outbound boundary (escaping and masking, once).
  const secrets = new SecretRegistry();
  const budget = new SlackBudget(store, { limiter: settings.SLACK_RATE_LIMITER, retryAfterScale: settings.SLACK_RETRY_AFTER_SCALE });
  const chat = new SafeChat(new SlackChat(client, new Outbox(store, jobs), metrics, log.child({ component: 'slack' }), budget), secrets);
  const access = new AccessControl(loadYamlFile(join(settings.CONFIG_DIR, 'access.yml'), accessFileSchema), chat, store);
  const ctx: AppContext = {
    store,
    jobs,
    chat,
    files: new SlackFiles(client, chat.filter),
    access,
    audit: new AuditLog(store, clock),
    events: new QueuedEventBus(jobs, clock),
    home: new HomeService(chat, log, store),
    clock,
    log,
    configDir: settings.CONFIG_DIR,
    workflowsDir: settings.WORKFLOWS_DIR,
    services: new ServiceRegistry<object>(),
    secrets,
  };

  let subscriptions: Subscription[] = [];
  const modules: Module[] = [
    coreModule(ctx, { client, budget, intervalMs: settings.SLACK_CHANNEL_INTERVAL_MS, metrics, subscriptions: () => subscriptions }),
  ];
  // Each module gets the settings it declared and nothing else (see module-settings.ts).
  for (const factory of o.modules) modules.push(factory(ctx, settingsFor(factory, settings)));
  subscriptions = modules.flatMap((m) => m.subscriptions ?? []);

  const processors = modules.flatMap((m) => m.jobs ?? []);
  const processed = new Set(processors.map((p) => p.name));
  const missing = modules.flatMap((m) => (m.enqueues ?? []).filter((n) => !processed.has(n)).map((n) => `${n} (enqueued by ${m.name})`));
  if (missing.length) throw new Error(`No processor for job names: ${missing.join(', ')}`);
  jobs.registerJobDefaults(processors);
  ctx.home.register(modules.flatMap((m) => m.home ?? []));

  for (const m of modules) await m.init?.();

  const routerDeps = { access, audit: ctx.audit, store, log };
  const commands = new CommandRouter(withExtensions(modules), routerDeps);
  const interactions = new InteractionRouter(
    {
      actions: modules.flatMap((m) => m.actions ?? []),
      views: modules.flatMap((m) => m.views ?? []),
      shortcuts: modules.flatMap((m) => m.shortcuts ?? []),
    },
    routerDeps,
  );

  const web = o.role !== 'worker';
  const worker = o.role !== 'web';
  let transport: BoltTransport | undefined;
  if (web) {
    transport = createBoltTransport({
      token: o.slack.token,
      ...(o.slack.signingSecret ? { signingSecret: o.slack.signingSecret } : {}),
      ...(o.slack.appToken ? { appToken: o.slack.appToken } : {}),
      ...(o.slack.apiUrl ? { slackApiUrl: o.slack.apiUrl } : {}),
      ...(o.slack.botId ? { botId: o.slack.botId } : {}),
      ...(o.slack.botUserId ? { botUserId: o.slack.botUserId } : {}),
      commands,
      interactions,
      events: modules.flatMap((m) => m.events ?? []),
      home: ctx.home,
      chat,
      outbound: chat.filter,
      metrics,
      log,
    });
  }
  const pool = worker
    ? new WorkerPool({
        connection: () => createRedis(redisTargetOf(settings), { forBullmq: true, name: 'worker', log }),
        prefix: queuePrefix,
        processors,
        expectedJobNames: modules.flatMap((m) => m.enqueues ?? []),
        log,
      })
    : undefined;
  const queueNames = [...new Set(processors.map((p) => queueOf(p.name)))];
  const http = new HttpServer({
    host: settings.HOST,
    port: settings.PORT,
    log,
    metrics,
    ...(transport?.requestListener ? { slackListener: transport.requestListener } : {}),
    routes: web ? modules.flatMap((m) => m.routes ?? []) : [],
    ready: () => store.ping(),
    beforeMetrics: async () => {
      for (const q of queueNames) metrics.queueDepth.set({ queue: q }, await jobs.depth(q));
      const delivery = servicesOf(ctx).maybe('metrics');
      if (delivery) metrics.setDelivery(await delivery.perService());
    },
  });

  let boundPort = 0;
  let stopped = false;
  return {
    ctx,
    commands,
    interactions,
    modules,
    metrics,
    port: () => boundPort,
    async start() {
      if (worker) for (const m of modules) await m.startWorker?.();
      pool?.start();
      boundPort = await http.start();
      await transport?.start();
      log.info({ role: o.role, port: boundPort, modules: modules.map((m) => m.name) }, 'switchyard started');
    },
    // Order matters: stop taking requests and jobs, let running jobs and stages finish (the
    // pipelines module drains for up to SHUTDOWN_GRACE_MS, health still answered), then close
    // the HTTP server, queues and Redis.
    async stop() {
      if (stopped) return;
      stopped = true;
      http.drain();
      await transport?.stop();
      await pool?.close();
      for (const m of modules) await m.stop?.();
      await http.stop();
      await jobs.close();
      await Promise.allSettled([redis.quit(), bullRedis.quit()]);
      log.info({}, 'switchyard stopped');
    },
  };
}
