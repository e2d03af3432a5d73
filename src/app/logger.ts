import { MASK } from '../core/mask.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger as PinoLogger } from 'pino';
import type { Logger } from '../core/ports/runtime.js';

/**
 * Structured JSON logs. Known secret-bearing fields are redacted as a second line of defence;
 * the first is that code never logs secret values or job payloads.
 */
const REDACT = [
  'token',
  'secret',
  'password',
  'authorization',
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
  'headers.authorization',
  'headers["x-vault-token"]',
  'headers["x-consul-token"]',
  'value',
  '*.value',
];

export function createLogger(level: string, file?: string): Logger {
  const options = { level, redact: { paths: REDACT, censor: MASK }, base: { app: 'switchyard' } };
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    return asLogger(pino(options, pino.destination({ dest: file, sync: false, mkdir: true })));
  }
  return asLogger(pino(options));
}

/** The Logger port over pino (its own type is wider than the port's: map the calls, do not cast). */
function asLogger(p: PinoLogger): Logger {
  return {
    debug: (obj, msg) => p.debug(obj, msg),
    info: (obj, msg) => p.info(obj, msg),
    warn: (obj, msg) => p.warn(obj, msg),
    error: (obj, msg) => p.error(obj, msg),
    child: (bindings) => asLogger(p.child(bindings)),
  };
}
