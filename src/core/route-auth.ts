import { createHmac } from 'node:crypto';

/**
 * How a webhook's sender proves itself, declared on its route (src/core/routes.ts checks it, in
 * constant time, before the body is parsed).
 */

/** How a sender proves itself. A secret left unset answers 503 `<name>_not_configured`. */
export type RouteAuth =
  | { kind: 'bearer'; token: string | undefined }
  | { kind: 'hmac'; secret: string | undefined; timestampHeader: string; signatureHeader: string; version: string; maxAgeS: number }
  | { kind: 'none'; reason: string }
  | { kind: 'body-hmac'; secret: string | undefined; signatureHeader: string; version: string }
  | { kind: 'shared'; secret: string | undefined; header?: string; basicUser?: string };

/** `Authorization: Bearer <token>`, compared in constant time. */
export const bearer = (token: string | undefined): RouteAuth => ({ kind: 'bearer', token });

/**
 * `<signatureHeader>: <version>=hex(HMAC-SHA256(secret, "<timestamp>.<raw body>"))` with
 * `<timestampHeader>: <unix seconds>`. The timestamp is signed and must lie within `maxAgeS` of
 * our clock (either way), so a captured request cannot be replayed later.
 */
export function hmacSha256(o: {
  secret: string | undefined;
  timestampHeader: string;
  signatureHeader: string;
  version?: string;
  maxAgeS?: number;
}): RouteAuth {
  return {
    kind: 'hmac',
    secret: o.secret,
    timestampHeader: o.timestampHeader.toLowerCase(),
    signatureHeader: o.signatureHeader.toLowerCase(),
    version: o.version ?? 'v1',
    maxAgeS: o.maxAgeS ?? 300,
  };
}

/** An open route must say why it needs no proof of its sender. */
export function noAuth(reason: string): RouteAuth {
  if (!reason.trim()) throw new Error('noAuth needs a reason');
  return { kind: 'none', reason };
}

/**
 * `<signatureHeader>: <version>=hex(HMAC-SHA256(secret, <raw body>))`, no timestamp (PagerDuty's v3
 * webhooks). While the sender rotates its secret it lists several, comma-separated: one matching
 * is enough. Redeliveries are caught by the delivery id, so declare `delivery` with it.
 */
export function hmacBody(o: { secret: string | undefined; signatureHeader: string; version?: string }): RouteAuth {
  return { kind: 'body-hmac', secret: o.secret, signatureHeader: o.signatureHeader.toLowerCase(), version: o.version ?? 'v1' };
}

/**
 * A sender that cannot sign (Opsgenie's outgoing webhooks) sends the shared secret itself: in
 * `header`, or as basic auth with user `basicUser` and the secret as password. Compared in constant time.
 */
export function sharedSecret(o: { secret: string | undefined } & ({ header: string } | { basicUser: string })): RouteAuth {
  return 'header' in o
    ? { kind: 'shared', secret: o.secret, header: o.header.toLowerCase() }
    : { kind: 'shared', secret: o.secret, basicUser: o.basicUser };
}

/** The signature `hmacSha256` expects over `<timestamp>.<body>` (senders in tests and relays use it). */
export function signHmac(secret: string, version: string, timestamp: string, body: Buffer | string): string {
  return `${version}=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}
