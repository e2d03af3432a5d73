import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlanConfig } from '../../src/domain/plan/config.js';
import { followingName } from '../../src/domain/plan/iterations.js';
import { messagePermalink, parseItemId, parseUser } from '../../src/domain/plan/model.js';

describe('plan configuration and parsing', () => {
  const write = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'plan-')), 'plan.yml');
    writeFileSync(file, text);
    return file;
  };

  it('loads the shipped config/plan.yml with its documented defaults', () => {
    expect(loadPlanConfig('config/plan.yml')).toEqual({
      iterationDays: 14,
      iterationPrefix: 'Iteration',
      productionEnvs: ['production', 'prod'],
      findingSeverities: ['high', 'critical'],
      homeItemsPerState: 6,
    });
    expect(loadPlanConfig(write('productionEnvs: [live]\n')).productionEnvs).toEqual(['live']);
  });

  it('refuses a bad file naming the file and the key', () => {
    const file = write('iterationDays: 0\nproductionEnv: [prod]\n');
    expect(() => loadPlanConfig(file)).toThrow(file);
    expect(() => loadPlanConfig(file)).toThrow(/iterationDays/);
    expect(() => loadPlanConfig(write('findingSeverities: [urgent]\n'))).toThrow(/findingSeverities\.0/);
  });

  it('parses ids, users and names the way people type them', () => {
    expect(parseItemId('plan-7')).toBe('PLAN-7');
    expect(parseItemId('007')).toBe('PLAN-7');
    expect(parseItemId('PLAN-x')).toBeNull();
    expect(parseUser('<@U0BOB|bob>')).toBe('U0BOB');
    expect(parseUser('bob')).toBeNull();
    expect(followingName('Sprint 14')).toBe('Sprint 15');
    expect(followingName('Hardening')).toBe('Hardening 2');
    expect(messagePermalink('C0GENERAL', '1716800000.123456')).toBe('https://slack.com/archives/C0GENERAL/p1716800000123456');
  });
});
