import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadYamlFile, parseYamlText } from '../../src/core/config/yaml-file.js';
import { injectionFileSchema, isSecretKey, landingZoneSchema } from '../../src/domain/injection/config.js';
import { derivedKey, Fingerprinter } from '../../src/domain/injection/fingerprint.js';
import { injectKeys, substituteInject } from '../../src/domain/injection/placeholders.js';

// The shipped configuration files load, mistakes in them are named precisely, and the pure parts
// (secrecy rules, fingerprints, placeholders) behave as documented.
describe('injection configuration', () => {
  const file = loadYamlFile('config/injection.yml', injectionFileSchema);

  it('loads the shipped injection.yml and landing-zone.yml', () => {
    expect(Object.keys(file.environments)).toEqual(['dev', 'staging', 'production']);
    expect(file.environments.production!.order[0]).toBe('vault-service');
    const lz = loadYamlFile('config/landing-zone.yml', landingZoneSchema);
    expect(lz.environments.production!.subnet_ids).toHaveLength(3);
  });

  it('names the file, the path and the problem for a bad landing zone or an unknown layer', () => {
    const lz =
      `environments:\n  production:\n    region: eu-west-1\n    vpc_id: vpc-XYZ\n    subnet_ids: [subnet-0a11b22c33d44e5f6]\n` +
      `    dns_zone: production.example.com\n    log_bucket: logs-production\n`;
    expect(() => parseYamlText('lz.yml', lz, landingZoneSchema)).toThrow(
      /lz\.yml is invalid:\n {2}environments\.production\.vpc_id: a VPC id like vpc-0a1b2c3d/,
    );
    const inj = `services: {checkout: {}}\nlayers: {lz: {source: landing-zone}}\nenvironments: {production: {order: [lz, vault-x]}}\n`;
    expect(() => parseYamlText('inj.yml', inj, injectionFileSchema)).toThrow(
      'environments.production.order.1: no layer `vault-x` (layers: lz)',
    );
    const noPath = `services: {}\nlayers: {v: {source: vault}}\nenvironments: {production: {order: [v]}}\n`;
    expect(() => parseYamlText('inj.yml', noPath, injectionFileSchema)).toThrow('layers.v.path: vault and consul layers need a path');
  });

  it('decides secrecy by layer default, its exceptions and the global list', () => {
    const l = file.layers;
    expect(isSecretKey(file, l['vault-service']!, 'db_password')).toBe(true);
    expect(isSecretKey(file, l['vault-service']!, 'db_host')).toBe(false); // listed as public
    expect(isSecretKey(file, l['consul-service']!, 'replicas')).toBe(false);
    expect(isSecretKey(file, l['consul-service']!, 'webhook_secret')).toBe(true); // global secretKeys
    expect(isSecretKey(file, l['landing-zone']!, 'vpc_id')).toBe(false);
  });

  it('fingerprints with an HMAC: stable for one key, different across keys, not a plain hash', async () => {
    const a = new Fingerprinter(derivedKey('deployment-one-signing-secret', 'test'));
    const b = new Fingerprinter(derivedKey('deployment-two-signing-secret', 'test'));
    const fa = await a.fingerprint('hunter2');
    expect(fa).toMatch(/^[0-9a-f]{6}$/);
    expect(await a.fingerprint('hunter2')).toBe(fa);
    expect(await a.fingerprint('hunter3')).not.toBe(fa);
    expect(await b.fingerprint('hunter2')).not.toBe(fa);
    expect(fa).not.toBe(createHash('sha256').update('hunter2').digest('hex').slice(0, 6));
    let fetches = 0;
    let now = 0;
    const broken = new Fingerprinter(
      { origin: 'vault', get: () => (fetches++ < 1 ? Promise.reject(new Error('down')) : Promise.resolve(Buffer.from('k'))) },
      () => now,
    );
    expect(await broken.mask('hunter2')).toBe('•••• (no fingerprint)');
    expect(await broken.mask('hunter3')).toBe('•••• (no fingerprint)');
    expect(fetches).toBe(1); // not one fetch per masked value while the key is unavailable
    now += 31_000;
    expect(await broken.mask('hunter2')).toMatch(/^•••• `[0-9a-f]{6}`$/);
  });

  it('finds and substitutes inject placeholders anywhere in stage settings, leaving others', () => {
    const settings = {
      command: 'deploy',
      env: { A: '${{ inject.vpc_id }}', B: 'x-${{inject.db_password}}-${{ params.ref }}' },
      list: ['${{ inject.vpc_id }}'],
    };
    expect(injectKeys(settings)).toEqual(['vpc_id', 'db_password']);
    expect(substituteInject(settings, (k) => `<${k}>`)).toEqual({
      command: 'deploy',
      env: { A: '<vpc_id>', B: 'x-<db_password>-${{ params.ref }}' },
      list: ['<vpc_id>'],
    });
  });
});
