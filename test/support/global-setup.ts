import { Redis } from 'ioredis';
import { REDIS_URL } from './redis.js';

/** Fails the run at once, with a clear line, when the real Redis the tests need is not there. */
export default async function setup(): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    throw new Error(`The tests need a real Redis at ${REDIS_URL} (BullMQ cannot run on a mock). Start one: redis-server --daemonize yes`);
  } finally {
    redis.disconnect();
  }
}
