import { z } from 'zod';
import type { SourceKind } from './source.js';

/**
 * config/injection.yml (which services and environments exist, which layers each environment
 * consults in which order, which keys are secrets) and config/landing-zone.yml (service-agnostic
 * values per environment). Both are validated at start-up so a typo stops the bot, not a deploy.
 */
const name = z.string().regex(/^[a-z][a-z0-9-]*$/, 'lowercase letters, digits and -');
export const configKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'a key: a letter, then letters, digits, _ . or -');
const pathTemplate = z
  .string()
  .regex(/^[A-Za-z0-9_.{}/-]+$/, 'a path of letters, digits, _ . - / and {service} {env}')
  .refine((p) => !p.startsWith('/') && !p.endsWith('/'), 'no leading or trailing /')
  .refine(
    (p) => (p.match(/\{[^}]*\}/g) ?? []).every((t) => t === '{service}' || t === '{env}'),
    'only {service} and {env} may be substituted',
  );

const layerSchema = z
  .object({
    source: z.enum(['vault', 'consul', 'landing-zone']),
    /** Path template in the source; {service} and {env} are substituted. Not used by landing-zone. */
    path: pathTemplate.optional(),
    /** Whether this layer's values are secrets. Default: Vault yes, Consul and landing zone no. */
    secret: z.boolean().optional(),
    /** Keys of a secret layer that are not secrets (shown in clear). */
    public: z.array(configKey).default([]),
    /** Keys of a public layer that are secrets nonetheless. */
    secretKeys: z.array(configKey).default([]),
    description: z.string().optional(),
  })
  .strict()
  .refine((l) => l.source === 'landing-zone' || l.path, { message: 'vault and consul layers need a path', path: ['path'] });

export const injectionFileSchema = z
  .object({
    services: z.record(
      name,
      z
        .object({ description: z.string().optional(), environments: z.array(name).optional() })
        .strict()
        .default({}),
    ),
    environments: z.record(name, z.object({ description: z.string().optional(), order: z.array(name).min(1) }).strict()),
    layers: z.record(name, layerSchema),
    /** Keys that are secrets whichever layer they come from. */
    secretKeys: z.array(configKey).default([]),
    /** Where the HMAC key for fingerprints of masked values lives (a Vault KV v2 secret). */
    fingerprint: z.object({ vaultPath: pathTemplate, key: configKey }).strict().optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    for (const [env, e] of Object.entries(f.environments)) {
      e.order.forEach((layer, i) => {
        if (!f.layers[layer])
          ctx.addIssue({
            code: 'custom',
            path: ['environments', env, 'order', i],
            message: `no layer \`${layer}\` (layers: ${Object.keys(f.layers).join(', ')})`,
          });
      });
    }
    for (const [svc, s] of Object.entries(f.services)) {
      (s.environments ?? []).forEach((env, i) => {
        if (!f.environments[env])
          ctx.addIssue({ code: 'custom', path: ['services', svc, 'environments', i], message: `no environment \`${env}\`` });
      });
    }
  });
export type InjectionFile = z.infer<typeof injectionFileSchema>;
export type LayerConfig = InjectionFile['layers'][string];

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const lzEnvironment = z
  .object({
    account_id: z
      .string()
      .regex(/^\d{12}$/, 'a 12-digit account id')
      .optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region like eu-west-1'),
    vpc_id: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'a VPC id like vpc-0a1b2c3d'),
    subnet_ids: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'a subnet id like subnet-0a1b2c3d')).min(1),
    dns_zone: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'a DNS zone like prod.example.com'),
    log_bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
  })
  .catchall(z.union([scalar, z.array(scalar)]));

export const landingZoneSchema = z.object({ environments: z.record(name, lzEnvironment) }).strict();
export type LandingZoneFile = z.infer<typeof landingZoneSchema>;

/** Default secrecy per source kind: Vault holds secrets; Consul and the landing zone do not. */
export const SECRET_BY_DEFAULT: Record<SourceKind, boolean> = { vault: true, consul: false, 'landing-zone': false };

export function isSecretKey(file: InjectionFile, layer: LayerConfig, key: string): boolean {
  if (file.secretKeys.includes(key) || layer.secretKeys.includes(key)) return true;
  const secretLayer = layer.secret ?? SECRET_BY_DEFAULT[layer.source];
  return secretLayer && !layer.public.includes(key);
}

export function layerPath(layer: LayerConfig, service: string, env: string): string {
  return (layer.path ?? '').replace(/\{service\}/g, service).replace(/\{env\}/g, env);
}
