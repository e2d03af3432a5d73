import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED_FILE, loadWorkspaceSeed } from '../../src/local-slack/index.js';

describe('loadWorkspaceSeed', () => {
  it('loads the default seed', () => {
    const seed = loadWorkspaceSeed(DEFAULT_SEED_FILE);
    expect(seed.team).toEqual({ id: 'T0SWITCH', name: 'Switchyard Local' });
    expect(seed.users.map((u) => u.name)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace']);
    expect(seed.usergroups.find((g) => g.handle === 'prod-approvers')?.users).toEqual(['U0CAROL', 'U0DAVE']);
    expect(seed.channels.map((c) => c.name)).toEqual([
      'general',
      'deploys',
      'approvals',
      'incidents',
      'noc',
      'helpdesk',
      'stakeholders',
      'team-checkout',
      'team-payments',
    ]);
    expect(seed.channels.find((c) => c.name === 'general')?.members).toHaveLength(7);
  });

  it('names the file and the bad path in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-'));
    const file = join(dir, 'bad.yml');
    writeFileSync(
      file,
      [
        'team: { id: T1, name: X }',
        'users: [{ id: U1, name: a, real_name: A, email: not-an-email }]',
        'usergroups: []',
        'channels: [{ id: C1, name: Bad Name, members: [U9] }]',
      ].join('\n'),
    );
    let message = '';
    try {
      loadWorkspaceSeed(file);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(file);
    expect(message).toContain('users.0.email');
    expect(message).toContain('channels.0.name');
    expect(message).toContain('channels.0.members.0: unknown user U9');
  });

  it('reports YAML syntax errors and missing files with the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-'));
    const file = join(dir, 'broken.yml');
    writeFileSync(file, 'team: [unclosed');
    expect(() => loadWorkspaceSeed(file)).toThrow(new RegExp(`${file}.*not valid YAML`));
    expect(() => loadWorkspaceSeed(join(dir, 'missing.yml'))).toThrow(/Cannot read workspace seed .*missing\.yml/);
  });
});
