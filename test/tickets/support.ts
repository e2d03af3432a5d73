import { createHmac, randomBytes } from 'node:crypto';
import { planModule } from '../../src/app/wire-plan.js';
import { ticketsModuleWith } from '../../src/app/wire-tickets.js';
import { ticketsConfigSchema } from '../../src/domain/tickets/config.js';
import { startIncidents, type IncidentsHarness } from '../incidents/support.js';

export const CREDENTIALS = {
  SERVICENOW_USERNAME: 'switchyard.integration',
  SERVICENOW_PASSWORD: `sn-${randomBytes(8).toString('hex')}`,
  JIRA_EMAIL: 'switchyard@example.com',
  JIRA_API_TOKEN: `jira-${randomBytes(8).toString('hex')}`,
  TICKETS_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
};

/** Incidents + plan + tickets, with config/tickets.yml given as `tickets` (short retries). */
export function startTickets(name: string, tickets: Record<string, unknown>): Promise<IncidentsHarness> {
  const config = ticketsConfigSchema.parse({ retry: { attempts: 12, backoff_ms: 100 }, ...tickets });
  return startIncidents(name, { extraModules: [planModule, ticketsModuleWith({ config })], env: CREDENTIALS });
}

/** A help desk change sent to POST /hooks/tickets, signed as the route wants unless told otherwise. */
export async function sendTicketUpdate(
  url: string,
  body: unknown,
  o: { secret?: string; timestamp?: number } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const raw = JSON.stringify(body);
  const ts = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const sig = `v1=${createHmac('sha256', o.secret ?? CREDENTIALS.TICKETS_WEBHOOK_SECRET)
    .update(`${ts}.${raw}`)
    .digest('hex')}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tickets-timestamp': ts, 'x-tickets-signature': sig },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
