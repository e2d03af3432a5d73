import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseYamlText } from '../../core/config/yaml-file.js';
import { ConfigError } from '../../core/errors.js';
import { landingZoneSchema, type LandingZoneFile } from './config.js';
import type { ConfigSource, SourceDocument } from './source.js';

/**
 * The landing zone: service-agnostic values per environment (VPC, subnets, region, DNS zone, log
 * bucket...) kept in a YAML file, so injection works with neither Vault nor Consul. The layer's
 * path is the environment name; the version is a digest of the file, so a changed file shows.
 */
export class LandingZoneSource implements ConfigSource {
  readonly kind = 'landing-zone' as const;
  private readonly version: string;

  constructor(
    readonly location: string,
    private readonly file: LandingZoneFile,
    text: string,
  ) {
    this.version = `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 10)}`;
  }

  static load(file: string): LandingZoneSource {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return new LandingZoneSource(file, parseYamlText(file, text, landingZoneSchema), text);
  }

  environments(): string[] {
    return Object.keys(this.file.environments).sort();
  }

  read(env: string): Promise<SourceDocument | null> {
    const values = this.file.environments[env];
    if (!values) return Promise.resolve(null);
    const doc: SourceDocument = { values: {}, version: this.version };
    for (const [key, v] of Object.entries(values)) {
      if (v === undefined) continue;
      doc.values[key] = {
        value: Array.isArray(v) ? v.map(String).join(',') : String(v),
        path: `${this.location}#environments.${env}.${key}`,
        version: this.version,
      };
    }
    return Promise.resolve(doc);
  }

  describe(env: string): string {
    return `${this.location}#environments.${env}`;
  }

  children(): Promise<string[]> {
    return Promise.resolve(this.environments());
  }
}
