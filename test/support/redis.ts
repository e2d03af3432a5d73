/**
 * Helpers for tests against the real Redis (127.0.0.1:6379 unless REDIS_URL says otherwise).
 * Every test file takes its own prefix, so files can run in parallel against one Redis, and
 * removes its keys in afterAll.
 */
import { randomBytes } from 'node:crypto';

import type { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique braced prefix, e.g. `{t-store-3f9a1c0b}`: one Cluster slot, no clash between files. */
export function testPrefix(name: string): string {
  const clean =
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'x';
  return `{t-${clean}-${randomBytes(4).toString('hex')}}`;
}

/** Escapes Redis glob metacharacters (`* ? [ ] \`) and braces so the prefix matches literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\{}^]/g, (ch) => `\\${ch}`);
}

/** Deletes every key that starts with `${prefix}:` (SCAN, never KEYS). Returns how many. */
export async function cleanupPrefix(redis: Redis, prefix: string): Promise<number> {
  const match = `${escapeGlob(prefix)}:*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Polls `probe` until it returns a truthy value (returned) or `timeoutMs` passes (throws). */
export async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`waitFor: ${what} not met within ${timeoutMs} ms (last value: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
