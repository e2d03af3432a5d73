import { policy } from '../../src/core/commands/spec.js';

/** Decided by the runbook's own `allow:` list (RunbookService checks it per run). */
export const RUNBOOK_POLICY = policy("the runbook's `allow:` roles and user groups (admins always)");
