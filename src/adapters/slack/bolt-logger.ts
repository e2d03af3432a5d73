import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import type { Logger } from '../../core/ports/runtime.js';

/** Routes Bolt's own logging into our structured logger. */
export function boltLogger(log: Logger): SlackLogger {
  const child = log.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  const join = (msgs: unknown[]) => msgs.map((m) => (m instanceof Error ? m.message : String(m))).join(' ');
  return {
    debug: (...m: unknown[]) => child.debug({}, join(m)),
    info: (...m: unknown[]) => child.info({}, join(m)),
    warn: (...m: unknown[]) => child.warn({}, join(m)),
    error: (...m: unknown[]) => child.error({}, join(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
