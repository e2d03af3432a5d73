import type { AuditLog, AuditOutcome } from '../../core/audit.js';
import { mention } from '../../core/outbound.js';
import type { Logger } from '../../core/ports/runtime.js';
import type { Services } from '../services.js';
import type { RunbookRun } from './model.js';

/**
 * The record a runbook run leaves: audit entries for what no edge audits with its details (a skip
 * and its reason, a step that ran on its own, the file version a run used) and, when the run is
 * attached to an incident, one timeline line per step outcome (the postmortem is built from it).
 */
export class RunbookEvidence {
  constructor(private readonly d: { audit: AuditLog; services: Services; log: Logger }) {}

  async audit(run: RunbookRun, e: { actor: string; action: string; outcome?: AuditOutcome; step?: string; detail: string }): Promise<void> {
    await this.d.audit.record({
      actor: e.actor,
      action: e.action,
      outcome: e.outcome ?? 'ok',
      channel: run.channel,
      target: e.step ? `${run.id}/${e.step}` : run.id,
      detail: `${run.runbook}: ${e.detail}`.slice(0, 500),
    });
  }

  /** A line on the incident's timeline; a run without an incident (or a deployment without incidents) has none. */
  async timeline(run: RunbookRun, text: string, actor?: string): Promise<void> {
    if (!run.incident) return;
    const incidents = this.d.services.maybe('incidents');
    if (!incidents) return;
    const who = actor && actor !== 'switchyard' ? ` (${mention(actor)})` : '';
    await incidents.addTimelineEntry(run.incident, {
      kind: 'runbook',
      text: `${run.id} ${run.runbook}: ${text}${who}`,
      ...(actor ? { actor } : {}),
    });
  }
}
