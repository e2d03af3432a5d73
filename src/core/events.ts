import type { JobData, JobProcessor, JobQueue } from './ports/jobs.js';
import type { Logger } from './ports/runtime.js';

/**
 * Domain events between capabilities (a run finished, an incident resolved), delivered through
 * the job queue so they reach whichever worker process is up, survive restarts and are retried.
 * Subscribers must be idempotent: a retry may deliver an event again.
 */
export interface DomainEvent {
  type: string;
  /** Idempotency key: publishing the same id twice delivers once. */
  id: string;
  at: number;
  data: JobData;
}

export interface Subscription {
  /** Unique name, used in logs. */
  name: string;
  type: string;
  handle(event: DomainEvent): Promise<void>;
}

export interface EventBus {
  publish(type: string, id: string, data: JobData): Promise<void>;
}

export const EVENT_JOB = 'events.deliver';

export class QueuedEventBus implements EventBus {
  constructor(
    private readonly jobs: JobQueue,
    private readonly clock: { now(): number } = { now: () => Date.now() },
  ) {}

  async publish(type: string, id: string, data: JobData): Promise<void> {
    const safeId = `${type}-${id}`.replace(/[:\s]/g, '_');
    await this.jobs.enqueue(EVENT_JOB, { type, id, at: this.clock.now(), data }, { id: safeId, attempts: 8, backoffMs: 500 });
  }
}

/** One job per event; each subscriber is run and a failing one makes the delivery retry. */
export function eventDeliveryProcessor(subscriptions: Subscription[], log: Logger): JobProcessor {
  return {
    name: EVENT_JOB,
    attempts: 8,
    backoffMs: 500,
    async process(data) {
      const event = data as unknown as DomainEvent;
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
