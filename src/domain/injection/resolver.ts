import { NotFoundError, UpstreamError } from '../../core/errors.js';
import type { InjectionResolver, ResolvedValue } from '../contracts.js';
import type { SourceCache } from './cache.js';
import { isSecretKey, layerPath, type InjectionFile } from './config.js';
import type { ConfigSource, SourceDocument, SourceKind } from './source.js';

/** A resolved value with the layer that gave it (the layer name from injection.yml). */
export interface Resolved extends ResolvedValue {
  source: SourceKind;
  layer: string;
}

/** What one layer said for a service and environment. */
export interface LayerReading {
  layer: string;
  source: SourceKind;
  path: string;
  /** The path as the source names it (mount or prefix included), for people. */
  shownPath: string;
  status: 'ok' | 'missing' | 'skipped' | 'down';
  /** ok/missing: served from an older copy because the source failed. */
  stale?: string;
  /** down: why; skipped: which setting is absent. */
  reason?: string;
  doc?: SourceDocument | null;
}

export interface Resolution {
  values: Record<string, Resolved>;
  layers: LayerReading[];
  /** Layers that could not be read (and had no older copy): their values may be missing. */
  down: LayerReading[];
}

export const SOURCE_LABEL: Record<SourceKind, string> = { vault: 'Vault', consul: 'Consul', 'landing-zone': 'Landing zone' };

const NOT_CONFIGURED: Record<SourceKind, string> = {
  vault: 'Vault is not configured (VAULT_ADDR)',
  consul: 'Consul is not configured (CONSUL_HTTP_ADDR)',
  'landing-zone': 'no landing-zone file',
};

/**
 * Layered resolution: each environment consults its layers in order (e.g. the service's Vault
 * secret, then Consul, then the landing zone) and the first layer holding a key wins. Every value
 * carries its provenance. A layer that cannot be read makes any key it could override an error
 * naming the source, rather than silently falling through to a lower layer's value.
 */
export class InjectionService implements InjectionResolver {
  constructor(
    private readonly file: InjectionFile,
    private readonly sources: Partial<Record<SourceKind, ConfigSource>>,
    private readonly cache: SourceCache,
  ) {}

  services(): string[] {
    return Object.keys(this.file.services).sort();
  }

  environments(service?: string): string[] {
    const declared = service ? this.file.services[service]?.environments : undefined;
    return declared ?? Object.keys(this.file.environments);
  }

  isSecret(layer: string, key: string): boolean {
    const l = this.file.layers[layer];
    return l ? isSecretKey(this.file, l, key) : true;
  }

  /** Throws NotFoundError with what exists for an unknown service or environment. */
  check(service: string, env: string): void {
    if (!this.file.services[service]) throw new NotFoundError('service', service, this.services());
    const envs = this.environments(service);
    if (!envs.includes(env)) throw new NotFoundError(`environment for ${service}`, env, envs);
  }

  async readLayers(service: string, env: string): Promise<LayerReading[]> {
    this.check(service, env);
    const order = this.file.environments[env]!.order;
    return Promise.all(order.map((name) => this.readLayer(name, service, env)));
  }

  private async readLayer(name: string, service: string, env: string): Promise<LayerReading> {
    const layer = this.file.layers[name]!;
    const path = layer.source === 'landing-zone' ? env : layerPath(layer, service, env);
    const source = this.sources[layer.source];
    const base = { layer: name, source: layer.source, path, shownPath: source ? source.describe(path) : path };
    if (!source) return { ...base, status: 'skipped', reason: NOT_CONFIGURED[layer.source] };
    try {
      const r = await this.cache.read(source, path);
      return { ...base, status: r.doc ? 'ok' : 'missing', doc: r.doc, ...(r.stale ? { stale: r.stale.reason } : {}) };
    } catch (err) {
      return { ...base, status: 'down', reason: err instanceof Error ? err.message : `${layer.source}: read failed` };
    }
  }

  async resolveAll(service: string, env: string): Promise<Resolution> {
    const layers = await this.readLayers(service, env);
    const values: Record<string, Resolved> = {};
    for (const l of [...layers].reverse()) {
      for (const [key, v] of Object.entries(l.doc?.values ?? {})) {
        values[key] = {
          key,
          value: v.value,
          secret: this.isSecret(l.layer, key),
          source: l.source,
          path: v.path,
          layer: l.layer,
          ...(v.version !== undefined ? { version: v.version } : {}),
          ...(l.stale ? { stale: true } : {}),
        };
      }
    }
    return { values, layers, down: layers.filter((l) => l.status === 'down') };
  }

  /** The contract for pipelines: exactly these keys, or an error naming what is missing or down. */
  async resolve(service: string, env: string, keys: string[]): Promise<Record<string, Resolved>> {
    const r = await this.resolveAll(service, env);
    const out: Record<string, Resolved> = {};
    for (const key of keys) {
      const v = r.values[key];
      const blocking = downAbove(r, v?.layer);
      if (blocking) {
        throw new UpstreamError(
          SOURCE_LABEL[blocking.source],
          `\`${key}\` for ${service}/${env} cannot be resolved while layer \`${blocking.layer}\` ` +
            `is unreadable (${blocking.reason ?? 'unreachable'})`,
        );
      }
      if (!v) throw new NotFoundError(`${service}/${env} key`, key, Object.keys(r.values).sort());
      out[key] = v;
    }
    return out;
  }

  /** Children under a layer's path in its source, for hints when the path is missing. */
  async siblings(reading: LayerReading): Promise<string[]> {
    const source = this.sources[reading.source];
    if (!source?.children) return [];
    const parent = reading.path.includes('/') ? reading.path.slice(0, reading.path.lastIndexOf('/')) : '';
    try {
      return await source.children(parent);
    } catch {
      return [];
    }
  }
}

/** The first layer, above the winning one (or anywhere when nothing won), that could not be read. */
export function downAbove(r: Resolution, winner: string | undefined): LayerReading | undefined {
  for (const l of r.layers) {
    if (l.layer === winner) return undefined;
    if (l.status === 'down') return l;
  }
  return undefined;
}
