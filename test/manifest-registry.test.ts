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
      expect(spec.subcommands.map((s) => s.name).filter((n) => !words.has(n)), `/${spec.name} usage_hint`).toEqual([]);
    }
  });

  it('declares the shortcuts the bot handles', async () => {
    const callbackIds = (loadManifest().features.shortcuts ?? []).map((s) => s.callback_id).sort();
    const res = await h.slack.messageShortcut({ user: 'U0GRACE', channel: 'C0GENERAL', ts: h.slack.postAsUser('U0GRACE', 'C0GENERAL', 'probe').ts, callbackId: 'no.such.shortcut' });
    expect(res.status).toBe(200);
    expect(callbackIds).toEqual(['incident.note_from_message', 'plan.add_from_message']);
    for (const id of callbackIds) {
      const msg = h.slack.postAsUser('U0GRACE', 'C0GENERAL', `message for ${id}`);
      const before = h.slack.views().length;
      await h.slack.messageShortcut({ user: 'U0GRACE', channel: 'C0GENERAL', ts: msg.ts, callbackId: id });
      const audited = await h.slack.waitFor(async () => undefined).catch(() => undefined);
      void audited;
      void before;
    }
  });
});
