import { stringify } from 'yaml';
import { escapeMrkdwn, md, sections } from '../../src/core/blocks.js';
import type { Reply } from '../../src/core/commands/spec.js';
import { ConfigError, NotFoundError } from '../../src/core/errors.js';
import type { PipelineService } from '../../src/domain/contracts.js';
import type { Fingerprinter } from '../../src/domain/injection/fingerprint.js';
import { injectKeys, substituteInject } from '../../src/domain/injection/placeholders.js';
import {
  downAbove,
  SOURCE_LABEL,
  type InjectionService,
  type LayerReading,
  type Resolution,
  type Resolved,
} from '../../src/domain/injection/resolver.js';

/**
 * The answers of `/config`: every value a person sees goes through `shown()`, which masks
 * secrets; only `reveal()` prints a secret, and its reply is ephemeral by construction.
 */
export class ConfigViews {
  constructor(
    private readonly injection: InjectionService,
    private readonly fp: Fingerprinter,
    private readonly pipelines: () => PipelineService | undefined,
  ) {}

  private async shown(v: Pick<Resolved, 'value' | 'secret'>, style: 'mrkdwn' | 'plain' = 'mrkdwn'): Promise<string> {
    if (v.secret) return this.fp.mask(v.value, style);
    return style === 'plain' ? v.value : `\`${escapeMrkdwn(v.value.replace(/`/g, "'"))}\``;
  }

  private where(v: Resolved | LayerReading): string {
    const version = 'version' in v && v.version !== undefined ? `, version ${String(v.version)}` : '';
    const path = 'shownPath' in v ? v.shownPath : v.path;
    return `*${v.layer}* (${SOURCE_LABEL[v.source]} \`${escapeMrkdwn(path)}\`${version})`;
  }

  private staleNotes(r: Resolution, layers: Set<string>): string[] {
    return r.layers
      .filter((l) => l.stale && layers.has(l.layer))
      .map((l) => `:hourglass_flowing_sand: *${l.layer}* is stale: ${escapeMrkdwn(l.stale!)}; showing the last copy read.`);
  }

  private downNotes(r: Resolution): string[] {
    return r.down.map(
      (l) =>
        `:electric_plug: *${l.layer}* is unreadable: ${escapeMrkdwn(l.reason ?? 'unreachable')}. ` +
        `Keys it would override may show a lower layer's value.`,
    );
  }

  async get(service: string, env: string, key: string): Promise<Reply> {
    const r = await this.injection.resolveAll(service, env);
    const v = (await this.injection.resolve(service, env, [key]))[key]!;
    const text = `*${service}/${env}* \`${key}\` = ${await this.shown(v)}\nfrom ${this.where(v)}`;
    return reply([text, ...this.staleNotes(r, new Set([v.layer]))]);
  }

  async list(service: string, env: string): Promise<Reply> {
    const r = await this.injection.resolveAll(service, env);
    const keys = Object.keys(r.values).sort();
    const order = r.layers.map((l) => l.layer).join(' → ');
    const head = `*${service}/${env}*: ${keys.length} key${keys.length === 1 ? '' : 's'} (order: ${order})`;
    const lines: string[] = [];
    for (const k of keys) {
      const v = r.values[k]!;
      lines.push(
        `• \`${k}\` = ${await this.shown(v)} — ${v.layer}` +
          `${v.version !== undefined ? ` v${String(v.version)}` : ''}${v.stale ? ' _(stale)_' : ''}`,
      );
    }
    if (!keys.length) lines.push('_No keys in any layer._');
    return reply([head, ...lines, ...this.downNotes(r), ...this.staleNotes(r, new Set(r.layers.map((l) => l.layer)))]);
  }

  async explain(service: string, env: string, key: string): Promise<Reply> {
    const r = await this.injection.resolveAll(service, env);
    const winner = r.values[key];
    if (!winner && !r.down.length) throw new NotFoundError(`${service}/${env} key`, key, Object.keys(r.values).sort());
    const lines = [`*${service}/${env}* \`${key}\`: layers consulted in order for ${env}`];
    let n = 0;
    for (const l of r.layers) {
      n += 1;
      const own = l.doc?.values[key];
      const label = `${n}. ${this.where(l)}`;
      if (l.status === 'skipped') lines.push(`${label}: :zzz: skipped, ${l.reason}`);
      else if (l.status === 'down') lines.push(`${label}: :electric_plug: unreadable: ${escapeMrkdwn(l.reason ?? '')}`);
      else if (l.status === 'missing') {
        const near = await this.injection.siblings(l);
        lines.push(
          `${label}: nothing stored at this path${
            near.length
              ? ` (there: ${near
                  .slice(0, 10)
                  .map((s) => `\`${escapeMrkdwn(s)}\``)
                  .join(', ')})`
              : ''
          }`,
        );
      } else if (!own) lines.push(`${label}: no \`${key}\``);
      else {
        const shown = await this.shown({ value: own.value, secret: this.injection.isSecret(l.layer, key) });
        const tag = winner?.layer === l.layer ? ':white_check_mark: *wins*' : 'overridden';
        lines.push(
          `${label}: ${shown}${own.version !== undefined ? ` (v${String(own.version)})` : ''} ${tag}${l.stale ? ' _(stale copy)_' : ''}`,
        );
      }
    }
    const blocking = downAbove(r, winner?.layer);
    if (blocking) lines.push(`:warning: A run would fail now: layer *${blocking.layer}* is unreadable and may hold \`${key}\`.`);
    else if (!winner) lines.push(`:warning: No layer has \`${key}\`.`);
    return reply([...lines, ...this.staleNotes(r, new Set(r.layers.map((l) => l.layer)))]);
  }

  async diff(service: string, envA: string, envB: string): Promise<Reply> {
    const [a, b] = await Promise.all([this.injection.resolveAll(service, envA), this.injection.resolveAll(service, envB)]);
    const keys = [...new Set([...Object.keys(a.values), ...Object.keys(b.values)])].sort();
    const lines: string[] = [];
    let same = 0;
    for (const k of keys) {
      const va = a.values[k];
      const vb = b.values[k];
      if (va && vb && va.value === vb.value && va.secret === vb.secret) same += 1;
      else if (va && vb) lines.push(`• \`${k}\`: ${await this.shown(va)} ≠ ${await this.shown(vb)}`);
      else if (va) lines.push(`• \`${k}\`: ${await this.shown(va)} — missing in ${envB}`);
      else if (vb) lines.push(`• \`${k}\`: missing in ${envA} — ${await this.shown(vb)}`);
    }
    const differing = `${lines.length} key${lines.length === 1 ? '' : 's'}`;
    const head = `*${service}: ${envA} ↔ ${envB}*: ${differing} differ or are missing, ${same} the same`;
    const notes = [...this.downNotes(a), ...this.downNotes(b)];
    return reply([head, ...(lines.length ? lines : ['_No differences._']), ...notes]);
  }

  async render(pipeline: string, env: string): Promise<Reply> {
    const svc = this.pipelines();
    if (!svc) throw new ConfigError('The pipelines capability is not enabled in this deployment, so there is nothing to render.');
    const def = svc.definition(pipeline);
    if (!def) throw new NotFoundError('pipeline', pipeline, svc.pipelineNames());
    if (!def.environments.includes(env)) throw new NotFoundError(`environment for pipeline ${pipeline}`, env, def.environments);
    const r = await this.injection.resolveAll(def.service, env);
    const lines = [`*${pipeline}* for *${def.service}/${env}*: stage settings as they would be injected (secrets masked)`];
    const missing = new Set<string>();
    for (const stage of def.stages) {
      const shown = new Map<string, string>();
      for (const k of injectKeys(stage.with)) {
        const v = r.values[k];
        if (!v || downAbove(r, v.layer)) missing.add(k);
        shown.set(k, v ? await this.shown(v, 'plain') : `<missing: ${k}>`);
      }
      const settings = substituteInject(stage.with, (k) => shown.get(k) ?? '');
      const body = Object.keys(stage.with).length ? stringify(settings).trimEnd().replace(/```/g, "'''") : '(no settings)';
      lines.push(`*${stage.id}* (${stage.kind})\n\`\`\`${body}\`\`\``);
    }
    for (const k of missing) {
      const blocking = downAbove(r, r.values[k]?.layer);
      lines.push(
        blocking
          ? `:electric_plug: \`${k}\`: layer *${blocking.layer}* is unreadable; the stage would fail now.`
          : `:warning: \`${k}\` is not defined for ${def.service}/${env}: that stage would fail before it runs.`,
      );
    }
    return reply([...lines, ...this.staleNotes(r, new Set(r.layers.map((l) => l.layer)))]);
  }

  /** The one place a secret is shown: ephemeral, to a `secrets-reader` (checked by the command). */
  async reveal(service: string, env: string, key: string): Promise<{ reply: Reply; value: Resolved }> {
    const v = (await this.injection.resolve(service, env, [key]))[key]!;
    const text =
      `*${service}/${env}* \`${key}\` from ${this.where(v)}:\n` +
      `\`\`\`${v.value.replace(/```/g, "'''")}\`\`\`\n` +
      `Only you can see this; the reveal is audited.`;
    return { reply: { text, blocks: [md(text)], visibility: 'ephemeral' }, value: v };
  }
}

/** Lines into a reply: sections of at most ~2800 characters (Slack's limit is 3000). */
function reply(lines: string[]): Reply {
  return { text: lines.join('\n').slice(0, 3000), blocks: sections(lines), visibility: 'ephemeral' };
}
