import type { AccessControl, Actor } from './access.js';
import type { AuditLog } from './audit.js';
import type { Access, CommandSpec, Reply, SubcommandSpec } from './commands/spec.js';
import type { EventBus, Subscription } from './events.js';
import type { HomeSection, HomeService } from './home.js';
import type { ChatPort } from './ports/chat.js';
import type { ChatFiles } from './ports/files.js';
import type { JobProcessor, JobQueue } from './ports/jobs.js';
import type { Clock, Logger } from './ports/runtime.js';
import type { Store } from './ports/store.js';
import type { SecretRegistry } from './mask.js';
import type { ServiceRegistry } from './services.js';
import type { z } from 'zod';
import type { Codec } from './codec.js';

/**
 * A capability (pipelines, incidents, ...) is a Module: the commands, buttons, modals, events,
 * jobs and webhooks it adds. The app wires every module into the transport and the workers;
 * nothing in a module knows about Bolt or BullMQ.
 */
export interface AppContext {
  store: Store;
  jobs: JobQueue;
  chat: ChatPort;
  /** Sharing files (charts) into channels: Slack's external upload, through the outbound boundary. */
  files: ChatFiles;
  access: AccessControl;
  audit: AuditLog;
  events: EventBus;
  home: HomeService;
  clock: Clock;
  log: Logger;
  /** Folder of YAML configuration (access.yml, landing-zone.yml, ...). */
  configDir: string;
  /** Folder of pipeline definitions (workflows/*.yml). */
  workflowsDir: string;
  /** Services capabilities offer each other (typed by src/domain/services.ts). */
  services: ServiceRegistry<object>;
  /** Secret values this process handled lately: the outbound boundary masks them wherever they appear. */
  secrets: SecretRegistry;
}

export interface InteractionContext {
  actor: Actor;
  requestId: string;
  triggerId?: string;
  /** Answer the presser only. */
  respond(reply: Reply): Promise<void>;
}

export interface ActionContext<T = unknown> extends InteractionContext {
  actionId: string;
  /** The button's value, decoded by the codec of its `defineAction` (src/core/edges.ts). */
  value: T;
  channelId?: string;
  messageTs?: string;
  /** Set when the button sits in a modal or the App Home. */
  viewId?: string;
}

/**
 * A button, built by `defineAction(...).handler(...)` (src/core/edges.ts). `actionId` matches the
 * pressed action_id up to an optional `#n` suffix; the pipeline decodes the value with `value`
 * before `handle` runs. `permission` (required unless `readOnly: true`): a role the pipeline
 * checks, or `policy(…)` / `anyone(…)`.
 */
export type ActionHandler<T = unknown> = {
  actionId: string;
  value: Codec<T>;
  handle(ctx: ActionContext<T>): Promise<Reply | void>;
} & Access;

/** Input values by block_id (one input per block): text, selected option value(s) or user(s). */
export type FormValues = Record<string, string | string[] | undefined>;

export interface ViewSubmission<M = unknown, V = FormValues> extends InteractionContext {
  callbackId: string;
  viewId: string;
  /** The private metadata, decoded by the codec of its `defineView`. */
  metadata: M;
  /** The input values, parsed by the schema of its `defineView`. */
  values: V;
}

/** Returning `errors` (block_id -> message) keeps the modal open with those messages. */
export type ViewResult = void | { errors: Record<string, string> };

/** A modal submission, built by `defineView(...).handler(...)`; `permission` as for buttons. */
export type ViewHandler<M = unknown, V = unknown> = {
  callbackId: string;
  metadata: Codec<M>;
  values: z.ZodType<V>;
  handle(ctx: ViewSubmission<M, V>): Promise<ViewResult>;
} & Access;

export interface ShortcutContext extends InteractionContext {
  callbackId: string;
  channelId: string;
  message: { ts: string; text: string; user?: string; threadTs?: string };
}

/** A message shortcut, built by `defineShortcut`; `permission` as for buttons. */
export type ShortcutHandler = {
  callbackId: string;
  handle(ctx: ShortcutContext): Promise<void>;
} & Access;

/** Events API callbacks (reaction_added, member_joined_channel, app_mention, app_home_opened). */
export interface SlackEventHandler {
  type: string;
  handle(event: Record<string, unknown>, ctx: { eventId: string; log: Logger }): Promise<void>;
}

export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  requestId: string;
  /** The body passed the route's `maxBodyBytes`: the transport kept none of it, the route refuses it. */
  bodyTooLarge?: boolean;
}

export interface HttpResponse {
  status: number;
  body?: unknown;
}

/** Inbound webhooks such as POST /hooks/alertmanager, built by `defineRoute` (src/core/routes.ts). */
export interface HttpRoute {
  method: 'GET' | 'POST';
  path: string;
  /** The most body bytes the transport keeps for this route (default 1 MiB). */
  maxBodyBytes?: number;
  handle(req: HttpRequest): Promise<HttpResponse>;
}

/**
 * The settings a module declared, by name. The context carries none of the app's settings (tokens
 * and secrets of every capability): a factory names what it reads in `settings`, and the app hands
 * it those alone. Typed where factories are written, with `withSettings` (src/app/module-settings.ts).
 */
export type ModuleSettings = Readonly<Record<string, unknown>>;

export interface ModuleFactory {
  (ctx: AppContext, settings: ModuleSettings): Module;
  /** Names of the settings (src/config/settings.ts) this module reads; absent means none. */
  readonly settings?: readonly string[];
}

export interface Module {
  name: string;
  commands?: CommandSpec[];
  actions?: ActionHandler[];
  views?: ViewHandler[];
  shortcuts?: ShortcutHandler[];
  events?: SlackEventHandler[];
  jobs?: JobProcessor[];
  /** Job names this module enqueues; start-up fails unless some module processes each. */
  enqueues?: string[];
  subscriptions?: Subscription[];
  routes?: HttpRoute[];
  home?: HomeSection[];
  /** Subcommands this module adds to another module's command (e.g. `/pipeline approvals`). */
  extendCommands?: Array<{ command: string; subcommand: SubcommandSpec }>;
  /**
   * Called once every module is built, in every role, before anything starts: validate
   * configuration against what other modules registered (stage kinds, ...). Throwing stops start-up.
   */
  init?(): Promise<void>;
  /** Worker role start-up work, e.g. (re)creating job schedulers. Must be idempotent. */
  startWorker?(): Promise<void>;
  stop?(): Promise<void>;
}
