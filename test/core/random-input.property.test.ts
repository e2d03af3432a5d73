import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/app/modules.js';
import { startHarness, type Harness } from '../support/harness.js';
import { escapeGlob, REDIS_URL } from '../support/redis.js';

/**
 * Bad input never crashes anything: thousands of random command lines (open quotes, unicode,
 * huge flags, empty text) go to every command spec of the production module set through the same
 * router Bolt calls. Each must produce an answer, never an escaped exception, and an answer that
 * refuses or corrects (usage, unknown, refused) must leave the stored state exactly as it was.
 */
const RUNS_PER_COMMAND = Number(process.env.PROPERTY_RUNS ?? 400);

// Keys the router itself writes on every call (the audit trail, retry dedupe, role caches), and
// the queues' own keys and the landing-zone inspection lock, which scheduled background jobs
// change while the property runs.
const BOOKKEEPING = /:(audit|dedupe|usergroup|q|outbound-mark)(:|$)|:inspect:lz-lock:/;

describe('random command lines against every spec', () => {
  let h: Harness;
  let redis: Redis;
  let prefix: string;

  beforeAll(async () => {
    h = await startHarness({ name: 'property', modules: MODULES });
    redis = new Redis(REDIS_URL);
    prefix = h.app.ctx.store.key('x').slice(0, -2);
  });
  afterAll(async () => {
    await redis?.quit();
    await h?.close();
  });

  async function snapshot(): Promise<string> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch.filter((k) => !BOOKKEEPING.test(k)));
    } while (cursor !== '0');
    keys.sort();
    const types = (await redis.pipeline(keys.map((k) => ['type', k])).exec()) ?? [];
    const SIZE: Record<string, string> = { list: 'llen', set: 'scard', zset: 'zcard', hash: 'hlen', stream: 'xlen' };
    const reads = keys.map((k, i) => {
      const type = String(types[i]?.[1]);
      return type === 'string' ? ['get', k] : [SIZE[type] ?? 'exists', k];
    });
    const values = (await redis.pipeline(reads).exec()) ?? [];
    const parts = keys.map((k, i) => `${k}=${String(values[i]?.[1])}`);
    return parts.join('\n');
  }

  /** Waits until the stored state stops changing (jobs started by a valid command finished). */
  async function settle(): Promise<void> {
    let last = await snapshot();
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = await snapshot();
      if (now === last) return;
      last = now;
    }
  }

  const word = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      '"',
      '“',
      "'",
      '--',
      '--env',
      '--env=',
      '--since',
      '<@U0BOB|bob>',
      '--param',
      'k=v',
      'PLAN-1',
      'INC-1',
      'production',
      '\u0000',
      '🚀',
      ' ',
    ),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.string({ minLength: 300, maxLength: 5000 }).map((s) => `--flag ${s}`),
  );

  it('answers every random line and changes nothing when it refuses', { timeout: 300_000 }, async () => {
    const specs = h.app.commands.specs();
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) {
      const lines = fc
        .tuple(fc.constantFrom('', 'help', ...spec.subcommands.map((s) => s.name)), fc.array(word, { maxLength: 6 }))
        .map(([subName, rest]) => [subName, ...rest].join(' '));
      await fc.assert(
        fc.asyncProperty(lines, fc.constantFrom('U0GRACE', 'U0BOB'), async (text, user) => {
          const before = await snapshot();
          const reply = await h.app.commands.dispatch({
            command: `/${spec.name}`,
            text,
            userId: user,
            channelId: 'C0GENERAL',
            requestId: 'property',
            respond: async () => {},
          });
          expect(reply === null || typeof reply.text === 'string').toBe(true);
          if (reply && /^:(grey_question|mag|no_entry):/.test(reply.text)) expect(await snapshot()).toBe(before);
          else await settle(); // a valid line may start background work; let it finish first
        }),
        { numRuns: RUNS_PER_COMMAND },
      );
    }
  });
});
