import { describe, expect, it } from 'vitest';
import { MASK, maskDeep, maskSecrets, SecretRegistry } from '../../src/core/mask.js';
import { channelLink, link, mention, OutboundFilter, subteam, toPlainText, toSlackText, trustSafe } from '../../src/core/outbound.js';

const PEM = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
  'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

describe('the one masker', () => {
  it('masks each line of a multi-line secret when a stage echoes it line by line', () => {
    const log = PEM.split('\n').map((l) => `[12:00:01] ${l}`);
    const masked = log.map((l) => maskSecrets(l, [PEM]));
    for (const line of masked) expect(line).toBe(`[12:00:01] ${MASK}`);
  });

  it('masks the base64 of a secret, whole and wrapped the way PEM and MIME wrap it', () => {
    const b64 = Buffer.from(PEM).toString('base64');
    expect(maskSecrets(`value=${b64}`, [PEM])).toBe(`value=${MASK}`);
    for (const line of b64.match(/.{1,76}/g)!) expect(maskSecrets(line, [PEM])).not.toContain(line.slice(0, 20));
  });

  it('masks a secret inside JSON (escaped newlines) and inside a URL query', () => {
    const doc = maskDeep({ key: PEM, note: 'ok' }, [PEM]);
    expect(JSON.stringify(doc)).not.toContain('MIIEowIBAAKCAQEA');
    expect(doc.note).toBe('ok');
    const secret = 'p@ss word&x=1';
    expect(maskSecrets(`https://h/?token=${encodeURIComponent(secret)}`, [secret])).toBe(`https://h/?token=${MASK}`);
  });

  it('does not mask ordinary text with tiny fragments of a secret', () => {
    expect(maskSecrets('a\nb and more text', ['a\nb'])).toBe('a\nb and more text'.replace('a\nb', MASK));
    expect(maskSecrets('the } brace stays', ['x\n}\ny'])).toBe('the } brace stays');
  });

  it('remembers secrets for a while only, and masks what it remembers', () => {
    let now = 0;
    const reg = new SecretRegistry(1000, 10, () => now);
    reg.remember(['hunter2-secret']);
    expect(reg.mask('pw hunter2-secret')).toBe(`pw ${MASK}`);
    now = 2000;
    expect(reg.mask('pw hunter2-secret')).toBe('pw hunter2-secret');
  });
});

describe('the outbound boundary', () => {
  const hostile = '<!channel> <!here> <!everyone> <!subteam^S0SRE> <@U0CEO> <#C0GENERAL> <https://evil.example/login|click here>';

  it('makes every control sequence a person wrote inert', () => {
    const out = toSlackText(`Incident: ${hostile}`);
    expect(out).not.toMatch(/<[!@#h]/);
    expect(out).toContain('&lt;!channel>');
  });

  it('keeps the mentions and links the bot built, and only those', () => {
    const out = toSlackText(
      `${mention('U0BOB')} in ${channelLink('C0DEPLOYS')} for ${subteam('S0SRE')}: ` +
        `${link('https://ci.example/run/1', 'run <1>|x')} ${hostile}`,
    );
    expect(out.startsWith('<@U0BOB> in <#C0DEPLOYS> for <!subteam^S0SRE>: <https://ci.example/run/1|run &lt;1&gt;¦x> ')).toBe(true);
    expect(out.match(/</g)).toHaveLength(4);
  });

  it('cannot be fooled by a marker a person typed or one from another process', () => {
    const forged = `\uE000${'0'.repeat(16)}<!channel> \uE000<!here>`;
    expect(toSlackText(forged)).toBe('&lt;!channel> &lt;!here>');
  });

  it('turns non-ids into plain text instead of markup, and refuses non-web links', () => {
    expect(toSlackText(mention('alertmanager'))).toBe('@alertmanager');
    expect(toSlackText(mention('U1> <!channel'))).not.toContain('<!channel');
    expect(toSlackText(link('javascript:alert(1)', 'x'))).toBe('x');
  });

  it('re-trusts stored text that already passed the boundary, and nothing else', () => {
    const stored = toSlackText(`${mention('U0BOB')} said ${hostile}`);
    expect(toSlackText(trustSafe(stored))).toBe(stored);
  });

  it('escapes and masks text, blocks, plain_text and confirm dialogs of a message', () => {
    const reg = new SecretRegistry();
    reg.remember(['s3cr3t-value']);
    const f = new OutboundFilter(reg);
    const msg = f.content({
      text: `<!channel> s3cr3t-value by ${mention('U0BOB')}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '<https://evil|x> s3cr3t-value' } },
        { type: 'header', text: { type: 'plain_text', text: `${mention('U0BOB')} s3cr3t-value` } },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              value: 'run-1',
              confirm: { title: { type: 'plain_text', text: 't' }, text: { type: 'mrkdwn', text: '<!here>' } },
            },
          ],
        },
      ],
    });
    expect(JSON.stringify(msg)).not.toContain('s3cr3t-value');
    expect(msg.text).toBe(`&lt;!channel> ${MASK} by <@U0BOB>`);
    expect(JSON.stringify(msg.blocks)).not.toMatch(/<!here>|<https:\/\/evil|\uE000/);
    expect(toPlainText(`${mention('U0BOB')}`)).toBe('<@U0BOB>');
  });
});
