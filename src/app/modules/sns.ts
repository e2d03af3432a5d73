import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppContext, Module } from '../../core/module.js';
import { loadSnsConfig, type SnsConfig } from '../../domain/sns/config.js';
import { AWS_SNS_ORIGIN } from '../../domain/sns/message.js';
import { CertificateCache, type SnsWire } from '../../domain/sns/port.js';
import { snsRoute } from '../../domain/sns/route.js';
import { HttpSnsWire } from '../../adapters/sns/http.js';

export interface SnsModuleOptions {
  /** Defaults to `<configDir>/sns.yml`; without that file the module adds nothing. */
  configFile?: string;
  config?: SnsConfig;
  /** A regular expression the certificate's and SubscribeURL's origin must match (AWS_SNS_ORIGIN unless a test says otherwise). */
  originPattern?: string;
  wire?: SnsWire;
}

/**
 * Cloud alarms: CloudWatch alarms delivered by Amazon SNS to POST /hooks/sns open, extend and note
 * incidents through the `alerts` service the incidents module provides. Off unless sns.yml exists.
 */
export function createSnsModule(ctx: AppContext, opts: SnsModuleOptions = {}): Module {
  const file = opts.configFile ?? join(ctx.configDir, 'sns.yml');
  const cfg = opts.config ?? (existsSync(file) ? loadSnsConfig(file) : undefined);
  if (!cfg) return { name: 'sns' };
  const wire = opts.wire ?? new HttpSnsWire();
  const certs = new CertificateCache(wire, () => ctx.clock.now());
  const origin = new RegExp(opts.originPattern ?? AWS_SNS_ORIGIN);
  return { name: 'sns', routes: [snsRoute({ ctx, cfg, wire, certs, origin })] };
}
