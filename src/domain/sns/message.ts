import { createVerify } from 'node:crypto';
import { z } from 'zod';
import { ForbiddenError } from '../../core/errors.js';

/**
 * An SNS HTTP(S) delivery (AWS SNS Developer Guide, "Parsing message formats" and "Verifying the
 * signatures of Amazon SNS messages"). The body is JSON sent as text/plain; every field the
 * signature covers is a string.
 */
export const snsEnvelope = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1).max(100),
  TopicArn: z.string().min(1).max(400),
  Message: z.string(),
  Timestamp: z.string().min(1),
  Subject: z.string().optional(),
  Token: z.string().optional(),
  SubscribeURL: z.string().optional(),
  SignatureVersion: z.enum(['1', '2']),
  Signature: z.string().min(1),
  SigningCertURL: z.string().min(1).max(500),
  UnsubscribeURL: z.string().optional(),
});
export type SnsEnvelope = z.infer<typeof snsEnvelope>;

/**
 * The string AWS signs: `Name\nvalue\n` for each field, in this order. A Notification signs
 * Subject only when it has one; the confirmations sign SubscribeURL and Token instead.
 */
export function canonicalString(m: SnsEnvelope): string {
  const names =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', ...(m.Subject !== undefined ? ['Subject'] : []), 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const field = (n: string): string => {
    const v = (m as Record<string, unknown>)[n];
    if (typeof v !== 'string') throw new ForbiddenError(`the ${m.Type} lacks ${n}, which its signature covers`, 'sns-signature');
    return v;
  };
  return names.map((n) => `${n}\n${field(n)}\n`).join('');
}

/** SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA, over the canonical string. */
export function signatureValid(m: SnsEnvelope, certificatePem: string): boolean {
  const verifier = createVerify(m.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  verifier.update(canonicalString(m), 'utf8');
  try {
    return verifier.verify(certificatePem, m.Signature, 'base64');
  } catch {
    return false; // not a certificate, or a signature of the wrong shape: not AWS's
  }
}

/** What production accepts as an SNS origin: https://sns.<region>.amazonaws.com (and .com.cn). */
export const AWS_SNS_ORIGIN = '^https://sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$';

/**
 * A URL the bot will fetch for SNS (the signing certificate, a SubscribeURL): its origin must match
 * the configured pattern, so a message cannot make the bot fetch (or trust a key from) another
 * host. Credentials, fragments and odd ports in the URL are refused before the pattern is tried.
 */
export function snsUrl(raw: string | undefined, originPattern: RegExp, what: string, opts: { pem?: boolean } = {}): URL {
  let url: URL;
  try {
    url = new URL(raw ?? '');
  } catch {
    throw new ForbiddenError(`the ${what} is not a URL`, 'sns-origin');
  }
  if (url.username || url.password || url.hash || !originPattern.test(url.origin))
    throw new ForbiddenError(`the ${what} is not on an SNS host (${url.origin})`, 'sns-origin');
  if (opts.pem && !url.pathname.endsWith('.pem')) throw new ForbiddenError(`the ${what} does not name a .pem certificate`, 'sns-origin');
  return url;
}
