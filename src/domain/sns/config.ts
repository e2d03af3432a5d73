import { z } from 'zod';
import { loadYamlFile } from '../../core/config/yaml-file.js';
import { INCIDENT_SEVERITIES } from '../contracts.js';

/**
 * config/sns.yml: which SNS topics may open incidents and how a CloudWatch alarm maps to a service
 * and a severity. Any AWS account can create a topic and subscribe our URL, so a valid AWS
 * signature alone proves nothing about whose alarm it is: the topic must be listed here.
 */
const severity = z.enum(INCIDENT_SEVERITIES);

export const snsConfigSchema = z
  .object({
    /** TopicArns accepted (exact). Messages and subscription requests from other topics are refused. */
    topics: z.array(z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, 'an SNS topic ARN')).min(1),
    /** The alarm's metric dimension naming the service, when the alarm is not listed under `alarms`. */
    service_dimension: z.string().min(1).optional(),
    default_severity: severity.default('SEV3'),
    /** By AlarmName: the service it belongs to and the severity of the incident it opens. */
    alarms: z
      .record(z.string().min(1), z.object({ service: z.string().min(1).optional(), severity: severity.optional() }).strict())
      .default({}),
  })
  .strict();
export type SnsConfig = z.infer<typeof snsConfigSchema>;

export function loadSnsConfig(path: string): SnsConfig {
  return loadYamlFile(path, snsConfigSchema);
}
