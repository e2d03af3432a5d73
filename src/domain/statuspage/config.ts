import { z } from 'zod';
import { loadYamlFile } from '../../core/config/yaml-file.js';

/**
 * config/statuspage.yml: the Atlassian Statuspage page customers read and the component of each
 * service. The API key is never written here: `api_key_env` names the environment variable
 * (STATUSPAGE_*) that holds it; without that variable set, publishing stays off.
 */
export const statuspageConfigSchema = z
  .object({
    page_id: z.string().regex(/^[a-z0-9]{6,40}$/, 'the page id from the Statuspage API page (lowercase letters and digits)'),
    api_key_env: z
      .string()
      .regex(/^STATUSPAGE_[A-Z0-9_]+$/, 'the name of an environment variable starting with STATUSPAGE_')
      .default('STATUSPAGE_API_KEY'),
    api_url: z.url().default('https://api.statuspage.io'),
    /** Service (config/incidents.yml) -> its component id on the page. */
    components: z.record(z.string().min(1), z.string().regex(/^[a-z0-9]{6,40}$/, 'a component id')).default({}),
    /** What customers read when the incident is resolved in Switchyard. */
    resolved_message: z.string().min(1).max(1000).default('This incident has been resolved.'),
  })
  .strict();
export type StatuspageConfig = z.infer<typeof statuspageConfigSchema>;

export function loadStatuspageConfig(path: string): StatuspageConfig {
  return loadYamlFile(path, statuspageConfigSchema);
}
