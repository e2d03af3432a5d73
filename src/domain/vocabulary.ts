/**
 * The words several contracts share: kept apart so ./contracts.ts and ./events.ts can both use them
 * without importing each other (a module cycle would meet them before they exist).
 */
export const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;
export const INCIDENT_SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
