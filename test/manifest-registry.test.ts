import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../src/app/modules.js';
import { bindArgs } from '../src/core/commands/bind.js';
import { startHarness, type Harness } from './support/harness.js';
import { loadManifest } from './support/manifest.js';

// manifest.yml is written by hand for Slack; this keeps it truthful to the command registry the
// bot actually serves, so a new subcommand cannot ship without its command being declared.
describe('manifest.yml matches the command registry', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'manifest', modules: MODULES });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('declares exactly the commands the bot serves, each hint naming every subcommand', () => {
    const manifest = loadManifest();
    const declared = new Map((manifest.features.slash_commands ?? []).map((c) => [c.command, c]));
    const served = h.app.commands.specs();
    expect([...declared.keys()].sort()).toEqual(served.map((c) => `/${c.name}`).sort());
    for (const spec of served) {
      const words = new Set((declared.get(`/${spec.name}`)?.usage_hint ?? '').split(/[^a-z]+/));
      expect(
        spec.subcommands.map((s) => s.name).filter((n) => !words.has(n)),
        `/${spec.name} usage_hint`,
      ).toEqual([]);
    }
  });

  it('lists every served command with all its subcommands in /switchyard help (generated from the same registry)', async () => {
    const help = (await h.command('U0GRACE', 'C0GENERAL', '/switchyard help')).text;
    for (const spec of h.app.commands.specs())
      expect(help, `/${spec.name}`).toContain(`\`/${spec.name}\`: ${spec.description} (${spec.subcommands.map((s) => s.name).join(', ')})`);
  });

  it('shows only examples in help that the parser accepts', () => {
    let checked = 0;
    for (const spec of h.app.commands.specs()) {
      for (const s of spec.subcommands) {
        for (const example of s.examples ?? []) {
          const prefix = `/${spec.name} ${s.name}`;
          expect(example.startsWith(prefix), example).toBe(true);
          expect(() => bindArgs(spec.name, s, example.slice(prefix.length)), example).not.toThrow();
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('handles every declared message shortcut', async () => {
    const callbackIds = (loadManifest().features.shortcuts ?? []).map((s) => s.callback_id).sort();
    expect(callbackIds).toEqual(['incident.note_from_message', 'plan.add_from_message']);
    for (const id of [...callbackIds, 'no.such.shortcut']) {
      const msg = h.slack.postAsUser('U0CAROL', 'C0GENERAL', `message for ${id}`);
      const res = await h.slack.messageShortcut({ user: 'U0CAROL', channel: 'C0GENERAL', ts: msg.ts, callbackId: id });
      expect(res.status).toBe(200);
      let entry = (await h.app.ctx.audit.query({ actor: 'U0CAROL', action: `shortcut ${id}` }))[0];
      for (let i = 0; !entry && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 50));
        entry = (await h.app.ctx.audit.query({ actor: 'U0CAROL', action: `shortcut ${id}` }))[0];
      }
      expect(entry, id).toBeDefined();
      if (id === 'no.such.shortcut') expect(entry!.outcome).toBe('not_found');
      else expect(entry!.outcome).not.toBe('not_found');
    }
  });
});
