import type { Logger } from '../../src/core/ports/runtime.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

/**
 * A Logger that keeps what the bot logs, so a test can wait for the line the bot writes when it
 * decides something (a duplicate dropped) instead of sleeping and then asserting nothing happened.
 */
export function recordingLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): Logger & { entries: LogEntry[] } {
  const write =
    (level: LogEntry['level']) =>
    (obj: object, msg = '') =>
      void entries.push({ level, msg, fields: { ...bindings, ...obj } });
  return {
    entries,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => recordingLogger(entries, { ...bindings, ...more }),
  };
}
