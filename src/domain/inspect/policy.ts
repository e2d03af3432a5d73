import { mention } from '../../core/outbound.js';
import { z } from 'zod';
import type { FreezeQueries, IncidentQueries, RunInfo } from '../contracts.js';
import { SEVERITIES, type Finding, type InspectorResult, type Verdict } from './types.js';

/**
 * Policy rules (config/policies/*.yml): facts about a run that must hold before it may continue.
 * Each rule names the environments it guards, the severity of a violation and whether a violation
 * fails or only warns. A rule whose capability is absent (no incidents module) is skipped with a note.
 */
const base = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'rule ids are lowercase words joined by -'),
  description: z.string().optional(),
  /** Environments the rule applies to; omitted means every environment. */
  envs: z.array(z.string()).optional(),
  severity: z.enum(SEVERITIES).default('high'),
  verdict: z.enum(['warn', 'fail']).default('fail'),
  fix: z.string().optional(),
};

const regex = z.string().refine((s) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

export const policyRuleSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('ref-pattern'), pattern: regex }).strict(),
  z.object({ ...base, type: z.literal('required-stages'), stages: z.array(z.string()).min(1) }).strict(),
  z
    .object({
      ...base,
      type: z.literal('approvals'),
      stageKind: z.string().default('approval'),
      minApprovals: z.number().int().min(1).default(1),
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('no-open-incidents'),
      severities: z.array(z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4'])).default(['SEV1', 'SEV2']),
    })
    .strict(),
  z.object({ ...base, type: z.literal('change-freeze') }).strict(),
]);
export type PolicyRule = z.infer<typeof policyRuleSchema>;

export const policyFileSchema = z
  .object({ rules: z.array(policyRuleSchema) })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `rule id ${r.id} is used twice` });
      seen.add(r.id);
    });
  });
export type PolicyFile = z.infer<typeof policyFileSchema>;

export interface PolicyFacts {
  run: RunInfo;
  /** The inspect stage itself, left out of "required stages" and approvals. */
  stageId: string;
  now: number;
  incidents?: IncidentQueries;
  freezes?: FreezeQueries;
}

interface Violation {
  message: string;
  location?: string;
}

type Check = { violations: Violation[]; notes: string[] };

/** `refs/tags/v1.2.3` and `v1.2.3` are the same ref to a rule. */
export function shortRef(ref: string): string {
  return ref.replace(/^refs\/(tags|heads)\//, '');
}

/** Who approved, as the approval stage recorded it (a list of user ids or of decisions). */
function approversIn(details: Record<string, unknown> | undefined): string[] {
  const list = details?.approvers ?? details?.approvals ?? details?.decisions;
  if (!Array.isArray(list)) return [];
  return list
    .filter((d) => typeof d === 'string' || (typeof d === 'object' && d !== null && (d as { decision?: string }).decision !== 'rejected'))
    .map((d) =>
      typeof d === 'string'
        ? d
        : String(
            (d as { user?: string; by?: string; approver?: string }).user ??
              (d as { by?: string }).by ??
              (d as { approver?: string }).approver ??
              '?',
          ),
    );
}

async function check(rule: PolicyRule, f: PolicyFacts): Promise<Check> {
  const { run } = f;
  switch (rule.type) {
    case 'ref-pattern': {
      const ref = shortRef(run.ref);
      return new RegExp(rule.pattern).test(ref)
        ? { violations: [], notes: [] }
        : {
            violations: [
              { message: `ref \`${ref}\` does not match \`${rule.pattern}\` (required for ${run.env})`, location: `ref ${ref}` },
            ],
            notes: [],
          };
    }
    case 'required-stages': {
      const violations: Violation[] = [];
      for (const id of rule.stages) {
        const s = run.stages.find((x) => x.id === id);
        if (!s)
          violations.push({ message: `required stage \`${id}\` is not in pipeline ${run.pipeline}`, location: `pipeline ${run.pipeline}` });
        else if (s.status !== 'succeeded')
          violations.push({ message: `required stage \`${id}\` is ${s.status}, not succeeded`, location: `stage ${id}` });
      }
      return { violations, notes: [] };
    }
    case 'approvals': {
      const gates = run.stages.filter((s) => s.kind === rule.stageKind && s.id !== f.stageId);
      const passed = gates.filter((s) => s.status === 'succeeded');
      const approvers = [...new Set(passed.flatMap((s) => approversIn(s.details)))];
      const notes = passed.length
        ? [
            `approvals applied: ${passed
              .map(
                (s) =>
                  `${s.id}${
                    approversIn(s.details).length
                      ? ` by ${approversIn(s.details)
                          .map((u) => mention(u))
                          .join(', ')}`
                      : ''
                  }`,
              )
              .join('; ')}`,
          ]
        : [];
      if (!passed.length)
        return {
          violations: [
            {
              message: gates.length
                ? `no ${rule.stageKind} stage has passed (${gates.map((g) => `${g.id}: ${g.status}`).join(', ')})`
                : `pipeline ${run.pipeline} has no ${rule.stageKind} stage`,
              location: `pipeline ${run.pipeline}`,
            },
          ],
          notes,
        };
      // A gate that recorded no approver list still counts as one approval: it passed.
      const count = approvers.length || passed.length;
      return count >= rule.minApprovals
        ? { violations: [], notes }
        : {
            violations: [{ message: `${count} approval(s) applied, ${rule.minApprovals} required`, location: `stage ${passed[0]!.id}` }],
            notes,
          };
    }
    case 'no-open-incidents': {
      if (!f.incidents) return { violations: [], notes: [`${rule.id}: skipped, the incidents capability is not enabled`] };
      const open = (await f.incidents.openIncidents({ service: run.service })).filter(
        (i) => rule.severities.includes(i.severity) && i.id !== run.fixIncident,
      );
      return {
        violations: open.map((i) => ({
          message: `open ${i.severity} ${i.id} on ${run.service}: ${i.title}`,
          location: `incident ${i.id}`,
        })),
        notes: [],
      };
    }
    case 'change-freeze': {
      if (!f.freezes) return { violations: [], notes: [`${rule.id}: skipped, no change-freeze capability is enabled`] };
      const freeze = await f.freezes.activeFreeze(run.env, f.now);
      return freeze
        ? {
            violations: [
              {
                message:
                  `change freeze \`${freeze.name}\` is active on ${run.env}` +
                  `${freeze.until ? ` until ${new Date(freeze.until).toISOString()}` : ''}`,
                location: `env ${run.env}`,
              },
            ],
            notes: [],
          }
        : { violations: [], notes: [] };
    }
  }
}

/** Evaluates every rule that applies to the run's environment. */
export async function evaluatePolicy(name: string, file: PolicyFile, facts: PolicyFacts): Promise<InspectorResult> {
  const findings: Finding[] = [];
  const notes: string[] = [];
  let verdict: Verdict = 'pass';
  for (const rule of file.rules) {
    if (rule.envs && !rule.envs.includes(facts.run.env)) continue;
    const result = await check(rule, facts);
    notes.push(...result.notes);
    for (const v of result.violations) {
      findings.push({
        id: rule.id,
        severity: rule.severity,
        title: v.message,
        ...(v.location ? { location: v.location, key: v.location } : {}),
        ...(rule.fix ? { fix: rule.fix } : {}),
      });
      if (rule.verdict === 'fail') verdict = 'fail';
      else if (verdict === 'pass') verdict = 'warn';
    }
  }
  return { inspector: name, type: 'policy', verdict, findings, notes };
}
