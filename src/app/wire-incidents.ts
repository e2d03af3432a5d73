import { HelpdeskWebhookClient } from '../adapters/helpdesk/client.js';
import type { ModuleFactory } from '../core/module.js';
import { withSettings } from './module-settings.js';
import { createIncidentsModule, type IncidentsModuleOptions } from './modules/incidents.js';

/**
 * Production wiring of incidents: the outbound help desk webhook from HELPDESK_WEBHOOK_URL and
 * HELPDESK_WEBHOOK_SECRET (both needed; without them no webhook is sent), config/incidents.yml.
 * The inbound hooks read ALERTMANAGER_TOKEN and HELPDESK_SECRET from the settings.
 */
export function incidentsModuleWith(opts: Omit<IncidentsModuleOptions, 'helpdesk' | 'settings'> = {}): ModuleFactory {
  return withSettings(['HELPDESK_WEBHOOK_URL', 'HELPDESK_WEBHOOK_SECRET', 'ALERTMANAGER_TOKEN', 'HELPDESK_SECRET'], (ctx, s) => {
    const { HELPDESK_WEBHOOK_URL: url, HELPDESK_WEBHOOK_SECRET: secret } = s;
    if (url && !secret)
      ctx.log.warn(
        { setting: 'HELPDESK_WEBHOOK_SECRET' },
        'HELPDESK_WEBHOOK_URL is set without a signing secret: no help desk webhooks are sent',
      );
    const hooks = {
      ...(s.ALERTMANAGER_TOKEN ? { ALERTMANAGER_TOKEN: s.ALERTMANAGER_TOKEN } : {}),
      ...(s.HELPDESK_SECRET ? { HELPDESK_SECRET: s.HELPDESK_SECRET } : {}),
    };
    return createIncidentsModule(ctx, {
      ...opts,
      settings: hooks,
      ...(url && secret ? { helpdesk: new HelpdeskWebhookClient({ url, secret }) } : {}),
    });
  });
}

export const incidentsModule: ModuleFactory = incidentsModuleWith();
