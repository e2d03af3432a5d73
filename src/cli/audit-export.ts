import { parseArgs } from 'node:util';
import { createRedis, redisTargetOf, waitForRedis } from '../adapters/redis/connection.js';
import { RedisStore } from '../adapters/redis/store.js';
import { loadSettings } from '../config/settings.js';
import { AuditLog } from '../core/audit.js';
import { ConfigError } from '../core/errors.js';
import { parseDuration } from '../core/time.js';

/**
 * `npm run audit -- --since 24h [--until 1h] [--actor U…] [--action "/pipeline"]`: the audit
 * trail as JSON lines, oldest first, for export to a SIEM or a spreadsheet.
 */
async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        since: { type: 'string', default: '24h' },
        until: { type: 'string' },
        actor: { type: 'string' },
        action: { type: 'string' },
        limit: { type: 'string', default: '100000' },
      },
      strict: true,
    }).values;
  } catch (err) {
    return usage((err as Error).message);
  }
  const since = parseDuration(args.since!);
  if (since === null) return usage(`--since: "${args.since}" is not a duration (e.g. 30m, 24h, 7d)`);
  const until = args.until ? parseDuration(args.until) : 0;
  if (until === null) return usage(`--until: "${args.until}" is not a duration`);
  const limit = Number(args.limit);
  if (!Number.isInteger(limit) || limit < 1) return usage('--limit must be a positive whole number');

  let settings;
  try {
    settings = loadSettings(process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    return 2;
  }
  const managed = Boolean(settings.REDIS_SENTINELS || settings.REDIS_CLUSTER_NODES);
  if (!managed && !(await waitForRedis(settings.REDIS_URL, 3000))) {
    process.stderr.write(`audit: nothing answers at REDIS_URL (${new URL(settings.REDIS_URL).host})\n`);
    return 2;
  }
  const redis = createRedis(redisTargetOf(settings), { name: 'audit-export' });
  try {
    const log = new AuditLog(new RedisStore(redis, `{${settings.REDIS_PREFIX}}`));
    const now = Date.now();
    const entries = await log.query({
      sinceMs: now - since,
      untilMs: now - until,
      limit,
      oldestFirst: true,
      ...(args.actor ? { actor: args.actor } : {}),
      ...(args.action ? { action: args.action } : {}),
    });
    for (const e of entries) process.stdout.write(`${JSON.stringify({ ...e, time: new Date(e.at).toISOString() })}\n`);
    return 0;
  } finally {
    await redis.quit();
  }
}

function usage(problem: string): number {
  process.stderr.write(
    `audit: ${problem}\nusage: npm run audit -- [--since 24h] [--until 1h] [--actor U123] [--action "/pipeline run"] [--limit N]\n`,
  );
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`audit: ${err.message}\n`);
    process.exit(1);
  },
);
