import type { ModuleFactory } from '../core/module.js';
import { withSettings } from './module-settings.js';
import type { Settings } from '../config/settings.js';
import type { Clock, Logger } from '../core/ports/runtime.js';
import { ConsulSource } from '../adapters/consul/consul-source.js';
import { VaultSource } from '../adapters/vault/vault-source.js';
import { createInjectionModule, type InjectionModuleOptions } from './modules/injection.js';

type VaultSetting = 'VAULT_ADDR' | 'VAULT_TOKEN' | 'VAULT_ROLE_ID' | 'VAULT_SECRET_ID' | 'VAULT_NAMESPACE' | 'VAULT_KV_MOUNT';
type ConsulSetting = 'CONSUL_HTTP_ADDR' | 'CONSUL_HTTP_TOKEN' | 'CONSUL_PREFIX';

/** The settings injection reads: its sources, the cache and the fingerprint key. */
const INJECTION_SETTINGS = [
  'VAULT_ADDR',
  'VAULT_TOKEN',
  'VAULT_ROLE_ID',
  'VAULT_SECRET_ID',
  'VAULT_NAMESPACE',
  'VAULT_KV_MOUNT',
  'CONSUL_HTTP_ADDR',
  'CONSUL_HTTP_TOKEN',
  'CONSUL_PREFIX',
  'CONSUL_WATCH',
  'CONFIG_CACHE_MS',
  'CONFIG_FINGERPRINT_KEY',
] as const;

/** Vault from settings: AppRole when VAULT_ROLE_ID/VAULT_SECRET_ID are set, else VAULT_TOKEN. */
export function vaultFromSettings(s: Readonly<Pick<Settings, VaultSetting>>, deps: { clock: Clock; log: Logger }): VaultSource | undefined {
  if (!s.VAULT_ADDR) return undefined;
  const credentials =
    s.VAULT_ROLE_ID && s.VAULT_SECRET_ID
      ? { roleId: s.VAULT_ROLE_ID, secretId: s.VAULT_SECRET_ID }
      : s.VAULT_TOKEN
        ? { token: s.VAULT_TOKEN }
        : undefined;
  if (!credentials) return undefined; // settings validation already refuses this combination
  return new VaultSource({
    addr: s.VAULT_ADDR,
    credentials,
    mount: s.VAULT_KV_MOUNT,
    ...(s.VAULT_NAMESPACE ? { namespace: s.VAULT_NAMESPACE } : {}),
    ...deps,
  });
}

export function consulFromSettings(s: Readonly<Pick<Settings, ConsulSetting>>, o: { watchWaitMs?: number } = {}): ConsulSource | undefined {
  if (!s.CONSUL_HTTP_ADDR) return undefined;
  return new ConsulSource({
    addr: s.CONSUL_HTTP_ADDR,
    prefix: s.CONSUL_PREFIX,
    ...(s.CONSUL_HTTP_TOKEN ? { token: s.CONSUL_HTTP_TOKEN } : {}),
    ...o,
  });
}

/**
 * The injection capability wired from settings: Vault (VAULT_*), Consul (CONSUL_*), the cache
 * (CONFIG_CACHE_MS), the fingerprint key (CONFIG_FINGERPRINT_KEY), the landing zone file and
 * config/injection.yml. Tests use `injectionModuleWith` to point at their own files
 * or shorten the Consul watch.
 */
export function injectionModuleWith(o: Partial<InjectionModuleOptions> & { consulWatchWaitMs?: number } = {}): ModuleFactory {
  return withSettings(INJECTION_SETTINGS, (ctx, s) => {
    const log = ctx.log.child({ component: 'injection' });
    const vault = vaultFromSettings(s, { clock: ctx.clock, log });
    const consul = consulFromSettings(s, o.consulWatchWaitMs !== undefined ? { watchWaitMs: o.consulWatchWaitMs } : {});
    const { consulWatchWaitMs: _w, ...rest } = o;
    return createInjectionModule(ctx, {
      ...(vault ? { vault } : {}),
      ...(consul ? { consul } : {}),
      watch: s.CONSUL_WATCH,
      cacheTtlMs: s.CONFIG_CACHE_MS,
      ...(s.CONFIG_FINGERPRINT_KEY ? { fingerprintSecret: s.CONFIG_FINGERPRINT_KEY } : {}),
      ...rest,
    });
  });
}

export const injectionModule: ModuleFactory = injectionModuleWith();
