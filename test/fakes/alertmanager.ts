/**
 * Prometheus Alertmanager's webhook as it is sent (version "4"): the body Alertmanager's webhook
 * notifier POSTs for one alert group, with the groupKey built from the route and group labels, and
 * the alert fingerprint as Prometheus computes it (FNV-1a 64 over sorted label pairs).
 */
export interface FakeAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  status?: 'firing' | 'resolved';
  startsAt?: string;
  endsAt?: string;
}

const SEP = 0xff;

/** Prometheus model.LabelSet.Fingerprint(): FNV-1a 64 over name, 0xff, value, 0xff in name order. */
export function fingerprint(labels: Record<string, string>): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const add = (bytes: Uint8Array | number[]) => {
    for (const b of bytes) {
      h ^= BigInt(b);
      h = (h * prime) & 0xffffffffffffffffn;
    }
  };
  const enc = new TextEncoder();
  for (const name of Object.keys(labels).sort()) {
    add(enc.encode(name));
    add([SEP]);
    add(enc.encode(labels[name]!));
    add([SEP]);
  }
  return h.toString(16).padStart(16, '0');
}

/** `{}:{alertname="X", service="y"}` as Alertmanager's dispatcher builds it for the root route. */
export function groupKey(groupLabels: Record<string, string>, routePath = '{}'): string {
  const inner = Object.keys(groupLabels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(groupLabels[k])}`)
    .join(', ');
  return `${routePath}:{${inner}}`;
}

export function alertmanagerPayload(o: {
  groupLabels: Record<string, string>;
  alerts: FakeAlert[];
  receiver?: string;
  externalURL?: string;
}): Record<string, unknown> {
  const alerts = o.alerts.map((a) => {
    const status = a.status ?? 'firing';
    return {
      status,
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt: a.startsAt ?? '2026-11-24T10:00:00.000Z',
      endsAt: status === 'resolved' ? (a.endsAt ?? '2026-11-24T10:30:00.000Z') : '0001-01-01T00:00:00Z',
      generatorURL: `http://prometheus.local:9090/graph?g0.expr=${encodeURIComponent(a.labels.alertname ?? 'up')}`,
      fingerprint: fingerprint(a.labels),
    };
  });
  const common = (pick: (a: FakeAlert) => Record<string, string>) => {
    const [first, ...rest] = o.alerts.map(pick);
    return Object.fromEntries(Object.entries(first ?? {}).filter(([k, v]) => rest.every((r) => r[k] === v)));
  };
  return {
    receiver: o.receiver ?? 'switchyard',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    groupLabels: o.groupLabels,
    commonLabels: common((a) => a.labels),
    commonAnnotations: common((a) => a.annotations ?? {}),
    externalURL: o.externalURL ?? 'http://alertmanager.local:9093',
    version: '4',
    groupKey: groupKey(o.groupLabels),
    truncatedAlerts: 0,
  };
}

/** POSTs like Alertmanager's webhook_config with `authorization: { credentials: <token> }`. */
export async function sendAlertmanager(
  url: string,
  token: string | undefined,
  payload: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Alertmanager/0.27.0',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(payload),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body };
}
