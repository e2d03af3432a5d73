import { MASK } from '../core/mask.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino } from 'pino';
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
    return pino(options, pino.destination({ dest: file, sync: false, mkdir: true })) as unknown as Logger;
  }
  return pino(options) as unknown as Logger;
}
