import { execFileSync } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoopbackServer, sendJson } from './http-fake.js';

/**
 * Amazon SNS as an HTTP(S) subscriber meets it (SNS Developer Guide: "Parsing message formats",
 * "Verifying the signatures of Amazon SNS messages", "Confirming the subscription"):
 * - each message is a JSON body POSTed with `Content-Type: text/plain; charset=UTF-8` and the
 *   headers x-amz-sns-message-type, x-amz-sns-message-id, x-amz-sns-topic-arn;
 * - it is signed with the private key of the certificate at SigningCertURL (served by SNS as
 *   /SimpleNotificationService-<id>.pem): SignatureVersion 1 signs with SHA1withRSA, 2 with
 *   SHA256withRSA, over `Name\nvalue\n` for Message, MessageId, Subject (Notifications, when
 *   present), SubscribeURL (confirmations), Timestamp, Token (confirmations), TopicArn, Type;
 * - a SubscriptionConfirmation carries a SubscribeURL (`?Action=ConfirmSubscription&TopicArn=&Token=`)
 *   that the subscriber GETs to confirm.
 * This fake serves its certificate and the SubscribeURL on loopback and signs what it sends. Node
 * cannot write an X.509 certificate by itself, so the key pair and self-signed certificate come
 * from the `openssl` binary at test time.
 */
export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: '1' | '2';
  Signature: string;
  SigningCertURL: string;
  Token?: string;
  SubscribeURL?: string;
  UnsubscribeURL?: string;
}

export function issueCertificate(cn = 'sns.amazonaws.com'): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sns-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')].concat([
        '-days',
        '1',
        '-subj',
        `/CN=${cn}`,
      ]),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function canonical(m: Omit<SnsMessage, 'Signature' | 'SignatureVersion' | 'SigningCertURL'>): string {
  const names =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', ...(m.Subject !== undefined ? ['Subject'] : []), 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const fields: Record<string, unknown> = { ...m };
  return names.map((n) => `${n}\n${String(fields[n])}\n`).join('');
}

export class FakeSns {
  /** SubscribeURL visits (the subscriptions confirmed) and certificate fetches. */
  readonly confirmed: Array<{ topic: string; token: string }> = [];
  certFetches = 0;
  private readonly server: LoopbackServer;
  private readonly issued = issueCertificate();

  constructor(readonly topicArn = 'arn:aws:sns:us-east-1:123456789012:switchyard-alarms') {
    this.server = new LoopbackServer((req, _body, res) => {
      const url = new URL(req.url ?? '/', this.url);
      if (req.method === 'GET' && url.pathname.endsWith('.pem')) {
        this.certFetches++;
        res.writeHead(200, { 'content-type': 'application/x-x509-ca-cert' }).end(this.issued.cert);
        return;
      }
      if (req.method === 'GET' && url.searchParams.get('Action') === 'ConfirmSubscription') {
        this.confirmed.push({ topic: url.searchParams.get('TopicArn') ?? '', token: url.searchParams.get('Token') ?? '' });
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end('<ConfirmSubscriptionResponse><ConfirmSubscriptionResult/></ConfirmSubscriptionResponse>');
        return;
      }
      sendJson(res, 404, { error: 'not found' });
    });
  }

  get url(): string {
    return this.server.url;
  }

  /** The origin pattern the bot is configured with in tests (production keeps AWS's). */
  get originPattern(): string {
    return `^http://127\\.0\\.0\\.1:${this.server.port}$`;
  }

  get certUrl(): string {
    return `${this.url}/SimpleNotificationService-0000000000000000000000.pem`;
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Signs as SNS does, with this fake's key unless another is given (a forger's). */
  sign(
    unsigned: Omit<SnsMessage, 'Signature' | 'SignatureVersion' | 'SigningCertURL'>,
    o: { version?: '1' | '2'; key?: string; certUrl?: string } = {},
  ): SnsMessage {
    const version = o.version ?? '2';
    const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
    signer.update(canonical(unsigned), 'utf8');
    return {
      ...unsigned,
      SignatureVersion: version,
      Signature: signer.sign(o.key ?? this.issued.key, 'base64'),
      SigningCertURL: o.certUrl ?? this.certUrl,
    };
  }

  subscriptionConfirmation(o: { version?: '1' | '2' } = {}): SnsMessage {
    const token = randomUUID().replace(/-/g, '');
    const q = new URLSearchParams({ Action: 'ConfirmSubscription', TopicArn: this.topicArn, Token: token });
    return this.sign(
      {
        Type: 'SubscriptionConfirmation',
        MessageId: randomUUID(),
        Token: token,
        TopicArn: this.topicArn,
        Message:
          `You have chosen to subscribe to the topic ${this.topicArn}.\n` +
          'To confirm the subscription, visit the SubscribeURL included in this message.',
        SubscribeURL: `${this.url}/?${q.toString()}`,
        Timestamp: new Date().toISOString(),
      },
      o,
    );
  }

  /** A CloudWatch alarm state change as CloudWatch publishes it to the topic. */
  alarm(
    a: {
      name: string;
      state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
      changedAt: string;
      reason?: string;
      dimensions?: Record<string, string>;
    },
    o: { version?: '1' | '2'; key?: string; certUrl?: string; subject?: boolean; sentAt?: string } = {},
  ): SnsMessage {
    const message = {
      AlarmName: a.name,
      AlarmDescription: null,
      AWSAccountId: '123456789012',
      NewStateValue: a.state,
      NewStateReason:
        a.reason ?? `Threshold Crossed: 1 datapoint was ${a.state === 'ALARM' ? 'greater' : 'not greater'} than the threshold.`,
      StateChangeTime: a.changedAt,
      Region: 'US East (N. Virginia)',
      AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${a.name}`,
      OldStateValue: a.state === 'ALARM' ? 'OK' : 'ALARM',
      Trigger: {
        MetricName: 'TargetResponseTime',
        Namespace: 'AWS/ApplicationELB',
        Statistic: 'AVERAGE',
        Dimensions: Object.entries(a.dimensions ?? {}).map(([name, value]) => ({ value, name })),
        Period: 60,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 2,
      },
    };
    return this.sign(
      {
        Type: 'Notification',
        MessageId: randomUUID(),
        TopicArn: this.topicArn,
        ...(o.subject === false ? {} : { Subject: `${a.state}: "${a.name}" in US East (N. Virginia)` }),
        Message: JSON.stringify(message),
        Timestamp: o.sentAt ?? new Date().toISOString(),
        UnsubscribeURL: `${this.url}/?Action=Unsubscribe&SubscriptionArn=${this.topicArn}:sub`,
      },
      o,
    );
  }
}

/** POSTs a message to the bot as SNS does. */
export async function deliver(url: string, m: SnsMessage): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': m.Type,
      'x-amz-sns-message-id': m.MessageId,
      'x-amz-sns-topic-arn': m.TopicArn,
      'user-agent': 'Amazon Simple Notification Service Agent',
    },
    body: JSON.stringify(m),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
