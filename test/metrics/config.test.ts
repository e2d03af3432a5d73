import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMetricsConfig } from '../../src/domain/metrics/config.js';

describe('config/metrics.yml', () => {
  it('the shipped file gives the documented defaults, and a missing file means the same', () => {
    const shipped = loadMetricsConfig('config/metrics.yml');
    expect(shipped).toEqual({ failureWindow: { ms: 86_400_000, text: '24h' }, digest: { enabled: true, cron: '0 9 * * 1', tz: 'UTC' } });
    expect(loadMetricsConfig('/nonexistent/metrics.yml')).toEqual(shipped);
  });

  it('refuses a bad file naming the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-config-'));
    const file = join(dir, 'metrics.yml');
    writeFileSync(file, 'failureWindow: soon\ndigest:\n  cron: every monday\n');
    expect(() => loadMetricsConfig(file)).toThrow(/failureWindow[\s\S]*digest\.cron|digest\.cron[\s\S]*failureWindow/);
  });
});
