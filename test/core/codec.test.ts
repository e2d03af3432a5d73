import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compact, defineAction, defineView, formErrors, formText, json, text } from '../../src/core/edges.js';
import { UsageError } from '../../src/core/errors.js';

// The codecs from both sides: what the bot writes always reads back, and what it did not write
// is a UsageError (the pipeline answers and audits it), never a half-parsed value.
describe('edge codecs', () => {
  const runStage = compact({ runId: z.string().regex(/^r\d+$/), stageId: z.string().min(1) });

  it('round-trips the compact form in the key order, keeping the values already on Slack', () => {
    expect(runStage.encode({ runId: 'r7', stageId: 'scan' })).toBe('r7|scan');
    expect(runStage.decode('r7|scan')).toEqual({ runId: 'r7', stageId: 'scan' });
  });

  it('refuses forged or garbled values as a usage error', () => {
    for (const raw of ['r7', 'r7|scan|extra', 'x7|scan', 'r7|', '', '{"runId":"r7"}']) {
      expect(() => runStage.decode(raw), raw).toThrow(UsageError);
    }
    const meta = json(z.object({ gateId: z.string().min(1) }));
    for (const raw of ['', 'not json', '{"gateId":42}', '[]', 'null']) expect(() => meta.decode(raw), raw).toThrow(UsageError);
    expect(() => text(z.string().regex(/^PLAN-\d+$/)).decode('PLAN-1 ')).toThrow(/cannot read/);
  });

  it('will not write a value it could not read back: a field with the separator, a bad id, one Slack would cut', () => {
    const pair = compact({ a: z.string(), b: z.string() });
    expect(() => pair.encode({ a: 'x|y', b: 'z' })).toThrow(/contains \|/);
    expect(() => runStage.encode({ runId: 'seven', stageId: 'scan' })).toThrow();
    const big = defineAction({ id: 'x.big', value: text(z.string()) });
    expect(() => big.button({ text: 'Big', value: 'v'.repeat(2001) })).toThrow(/Slack keeps 2000/);
    expect(big.button({ text: 'Ok', value: 'v' })).toMatchObject({ actionId: 'x.big', value: 'v' });
  });

  it('puts the metadata into the modal and maps input schema issues to their blocks', () => {
    const form = defineView({
      id: 'x.form',
      metadata: json(z.object({ id: z.string() })),
      values: z.object({ reason: formText.refine((s) => s.length >= 3, 'Say more.') }),
    });
    expect(form.modal({ title: 'T', blocks: [], metadata: { id: 'INC-1' } })).toMatchObject({
      callbackId: 'x.form',
      privateMetadata: '{"id":"INC-1"}',
    });
    const parsed = z.object({ reason: formText.refine((s) => s.length >= 3, 'Say more.') }).safeParse({ reason: '  a ' });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(formErrors(parsed.error)).toEqual({ reason: 'Say more.' });
  });
});
