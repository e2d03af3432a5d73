import { join } from 'node:path';
import { loadYamlFile } from '../../core/config/yaml-file.js';
import { ConfigError } from '../../core/errors.js';
import type { AppContext, Module } from '../../core/module.js';
import { servicesOf } from '../../domain/services.js';
import { SourceCache } from '../../domain/injection/cache.js';
import { injectionFileSchema, layerPath, type InjectionFile } from '../../domain/injection/config.js';
import { derivedKey, Fingerprinter, PROCESS_KEY_ORIGIN, processKey, type FingerprintKey } from '../../domain/injection/fingerprint.js';
import { LandingZoneSource } from '../../domain/injection/landing-zone.js';
import { injectKeys } from '../../domain/injection/placeholders.js';
import { InjectionService } from '../../domain/injection/resolver.js';
import type { ConfigSource } from '../../domain/injection/source.js';
import { configCommand } from '../../../commands/injection/commands.js';
import { ConfigViews } from '../../../commands/injection/render.js';

export interface InjectionModuleOptions {
  /** Vault and Consul adapters; a source left out makes its layers `skipped`. */
  vault?: ConfigSource;
  consul?: ConfigSource;
  /** Defaults: <configDir>/injection.yml and <configDir>/landing-zone.yml. */
  injectionFile?: string;
  landingZoneFile?: string;
  /** Keep watched (Consul) documents current with blocking queries. */
  watch?: boolean;
  /** Overrides how the fingerprint key is obtained (see fingerprintKeyFor). */
  fingerprintKey?: FingerprintKey;
  /** CONFIG_FINGERPRINT_KEY: the deployment's dedicated secret for fingerprint keys (see fingerprintKeyFor). */
  fingerprintSecret?: string;
  /** How long resolved documents are cached (CONFIG_CACHE_MS); 30 s when left out. */
  cacheTtlMs?: number;
}

/**
 * The injection capability: resolves each service's values per environment through the layers of
 * config/injection.yml, offers them to pipelines as the `injection` service, and answers `/config`.
 */
export function createInjectionModule(ctx: AppContext, o: InjectionModuleOptions): Module {
  const file = loadYamlFile(o.injectionFile ?? join(ctx.configDir, 'injection.yml'), injectionFileSchema);
  const landingZone = LandingZoneSource.load(o.landingZoneFile ?? join(ctx.configDir, 'landing-zone.yml'));
  const lzLayers = Object.values(file.layers).some((l) => l.source === 'landing-zone');
  const missingEnvs = lzLayers ? Object.keys(file.environments).filter((e) => !landingZone.environments().includes(e)) : [];
  if (missingEnvs.length)
    throw new ConfigError(`${landingZone.location}: no values for environment(s) ${missingEnvs.join(', ')} named in injection.yml`);

  const log = ctx.log.child({ component: 'injection' });
  const cache = new SourceCache({ clock: ctx.clock, ttlMs: o.cacheTtlMs ?? 30_000, log, watch: o.watch ?? false });
  const service = new InjectionService(
    file,
    { 'landing-zone': landingZone, ...(o.vault ? { vault: o.vault } : {}), ...(o.consul ? { consul: o.consul } : {}) },
    cache,
  );
  const fingerprints = new Fingerprinter(o.fingerprintKey ?? fingerprintKeyFor(file, o.vault, o.fingerprintSecret), () => ctx.clock.now());
  const views = new ConfigViews(service, fingerprints, () => servicesOf(ctx).maybe('pipelines'));
  servicesOf(ctx).provide('injection', service);
  if (fingerprints.origin === PROCESS_KEY_ORIGIN)
    log.warn(
      { fingerprintKey: fingerprints.origin },
      'config fingerprints use a random key of this process: set CONFIG_FINGERPRINT_KEY (or fingerprint.vaultPath in injection.yml)' +
        ' so they compare across processes and restarts',
    );
  else log.debug({ fingerprintKey: fingerprints.origin }, 'config fingerprints keyed');

  // A pipeline injecting values for a service or environment injection.yml does not know would
  // only fail when its stage starts: say so at start-up (a warning: the stage still names it).
  let checked = false;
  const checkPipelines = () => {
    const pipelines = servicesOf(ctx).maybe('pipelines');
    const names = pipelines?.pipelineNames() ?? [];
    if (checked || !names.length) return;
    checked = true;
    for (const name of names) {
      const def = pipelines?.definition(name);
      if (!def || !def.stages.some((st) => injectKeys(st.with).length)) continue;
      if (!file.services[def.service])
        log.warn({ pipeline: name, service: def.service }, 'pipeline injects values for a service missing from injection.yml');
      const unknownEnvs = def.environments.filter((e) => !service.environments(def.service).includes(e));
      if (unknownEnvs.length)
        log.warn({ pipeline: name, environments: unknownEnvs }, 'pipeline injects values in environments missing from injection.yml');
    }
  };

  return {
    name: 'injection',
    commands: [configCommand({ views, audit: ctx.audit })],
    // Pipelines load their definitions in their own init, which may come after this one: check
    // in both hooks (web-only processes have init alone), once definitions are there.
    init() {
      checkPipelines();
      return Promise.resolve();
    },
    startWorker() {
      checkPipelines();
      return Promise.resolve();
    },
    stop() {
      cache.stop();
      o.vault?.stop?.();
      o.consul?.stop?.();
      return Promise.resolve();
    },
  };
}

/**
 * Where the HMAC key for fingerprints comes from, in order: a Vault secret named in injection.yml
 * (every process of the deployment reads the same key, and seeing fingerprints without Vault
 * access gives nothing to brute-force against); else a key derived from CONFIG_FINGERPRINT_KEY, a
 * secret given to this use alone (no longer the Slack signing secret: a module never sees another
 * capability's secrets); else a random key per process (local workspace; a warning at start-up).
 */
export function fingerprintKeyFor(
  file: InjectionFile,
  vault: ConfigSource | undefined,
  dedicatedSecret: string | undefined,
): FingerprintKey {
  const fp = file.fingerprint;
  if (fp && vault) {
    const path = layerPath({ source: 'vault', path: fp.vaultPath, public: [], secretKeys: [] }, '', '');
    return {
      origin: `Vault ${path} (${fp.key})`,
      async get() {
        const doc = await vault.read(path);
        const value = doc?.values[fp.key]?.value;
        if (!value) throw new ConfigError(`Vault ${path} has no ${fp.key}`);
        return Buffer.from(value, 'utf8');
      },
    };
  }
  if (dedicatedSecret) return derivedKey(dedicatedSecret, 'derived from CONFIG_FINGERPRINT_KEY');
  return processKey();
}
