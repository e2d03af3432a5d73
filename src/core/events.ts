import { z } from 'zod';
import { ConfigError } from './errors.js';
import { InvalidPayloadError, parsePayload } from './payload.js';
import type { JobData, JobProcessor, JobQueue } from './ports/jobs.js';
import type { Logger } from './ports/runtime.js';

/**
 * Domain events between capabilities (a run finished, an incident resolved), delivered through
 * the job queue so they reach whichever worker process is up, survive restarts and are retried.
 * Subscribers must be idempotent: a retry may deliver an event again.
 *
 * Each event is declared once with `defineEvent(name, zodSchema)` (src/domain/contracts.ts):
 * the name it returns carries the payload type, so `publish` checks the producer's data at
 * compile time and `subscribe` hands the consumer data parsed with the same schema at run time.
 */
declare const PAYLOAD: unique symbol;
/** An event name that carries its payload type; at run time it is the plain string. */
export type EventName<T extends JobData = JobData> = string & { readonly [PAYLOAD]?: T };

export interface DomainEvent<T extends JobData = JobData> {
  type: string;
  /** Idempotency key: publishing the same id twice delivers once. */
  id: string;
  at: number;
  data: T;
}

export interface Subscription {
  /** Unique name, used in logs. */
  name: string;
  type: string;
  handle(event: DomainEvent): Promise<void>;
}

export interface EventBus {
  publish<T extends JobData>(type: EventName<T>, id: string, data: NoInfer<T>): Promise<void>;
}

export const EVENT_JOB = 'events.deliver';

/** Schemas by event name; defineEvent is the only writer. */
const schemas = new Map<string, z.ZodType<JobData>>();

/** Declares a domain event: its name and the zod schema every consumer parses its payload with. */
export function defineEvent<S extends z.ZodType<JobData>>(name: string, schema: S): EventName<z.output<S>> {
  const known = schemas.get(name);
  if (known && known !== schema) throw new ConfigError(`event ${name} is defined twice`);
  schemas.set(name, schema);
  return name;
}

/**
 * The schema of a defined event, typed by its name. The one cast of this file: the map cannot
 * hold per-key types, and defineEvent stores under each name exactly the schema its brand came from.
 */
function schemaOf<T extends JobData>(type: EventName<T>): z.ZodType<T> | undefined {
  return schemas.get(type) as z.ZodType<T> | undefined;
}

/**
 * A typed subscriber: `subscribe(EVENTS.runFinished, 'plan.ship', async (e) => e.data.status)`.
 * The data is parsed again here to give it its static type; the delivery has already refused a
 * payload this schema rejects, so no subscriber ever sees one.
 */
export function subscribe<T extends JobData>(
  type: EventName<T>,
  name: string,
  handle: (event: DomainEvent<T>) => Promise<void>,
): Subscription {
  const schema = schemaOf(type);
  if (!schema) throw new ConfigError(`subscription ${name}: event ${type} is not declared with defineEvent`);
  return { name, type, handle: (e) => handle({ ...e, data: parsePayload(schema, e.data, `event ${type}`) }) };
}

export class QueuedEventBus implements EventBus {
  constructor(
    private readonly jobs: JobQueue,
    private readonly clock: { now(): number } = { now: () => Date.now() },
  ) {}

  async publish<T extends JobData>(type: EventName<T>, id: string, data: NoInfer<T>): Promise<void> {
    const safeId = `${type}-${id}`.replace(/[:\s]/g, '_');
    await this.jobs.enqueue(EVENT_JOB, { type, id, at: this.clock.now(), data }, { id: safeId, attempts: 8, backoffMs: 500 });
  }
}

const envelope = z.object({ type: z.string(), id: z.string(), at: z.number(), data: z.record(z.string(), z.json()) });

/**
 * One job per event; each subscriber is run and a failing one makes the delivery retry. A payload
 * its event's schema refuses (an older producer, a hand-made publish) is logged with its coded
 * error and skipped: retrying cannot make it valid, and no subscriber sees it.
 */
export function eventDeliveryProcessor(subscriptions: Subscription[], log: Logger): JobProcessor {
  return {
    name: EVENT_JOB,
    attempts: 8,
    backoffMs: 500,
    async process(data) {
      let event: DomainEvent;
      try {
        const raw = parsePayload(envelope, data, `job ${EVENT_JOB}`);
        const schema = schemaOf(raw.type);
        event = schema ? { ...raw, data: parsePayload(schema, raw.data, `event ${raw.type}`) } : raw;
      } catch (err) {
        if (!(err instanceof InvalidPayloadError)) throw err;
        log.error(
          { code: err.code, err: err.message, event: typeof data.type === 'string' ? data.type : undefined, issues: err.issues },
          'event refused: payload does not match its schema',
        );
        return { refused: err.issues };
      }
      const failures: string[] = [];
      for (const s of subscriptions.filter((x) => x.type === event.type)) {
        try {
          await s.handle(event);
        } catch (err) {
          log.error({ subscription: s.name, event: event.type, err: (err as Error).message }, 'event subscriber failed');
          failures.push(s.name);
        }
      }
      if (failures.length) throw new Error(`subscribers failed: ${failures.join(', ')}`);
    },
  };
}
