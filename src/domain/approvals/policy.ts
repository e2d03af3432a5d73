import { z } from 'zod';
import { AccessControl, type Actor } from '../../core/access.js';
import { mention, subteam } from '../../core/outbound.js';
import { parseDuration } from '../../core/time.js';
import { freezeSchema } from './freeze.js';

/**
 * The approval policy file (config/approvals.yml): who may approve a deployment to an
 * environment (optionally refined per pipeline), how many distinct approvals it needs, when the
 * gate gives up, and the change-freeze windows. Validated with zod at start-up.
 */

/** `30m`, `2h`, `500ms` (tests), or a number of milliseconds. */
export const durationMs = z.union([z.number().int().nonnegative(), z.string()]).transform((given, ctx) => {
  if (typeof given === 'number') return given;
  const ms = /^(\d{1,7})ms$/.exec(given.trim());
  const value = ms ? Number(ms[1]) : parseDuration(given);
  if (value === null) {
    ctx.addIssue({ code: 'custom', message: `\`${given}\` is not a duration; use e.g. 500ms, 90s, 30m, 2h, 1d` });
    return z.NEVER;
  }
  return value;
});

const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id like U012ABCDEF');
const groupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id like S012ABCDEF');
const channelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id like C012ABCDEF');
const roleName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a role name from config/access.yml');

const approversSchema = z
  .object({ roles: z.array(roleName).default([]), users: z.array(userId).default([]), groups: z.array(groupId).default([]) })
  .strict()
  .refine((a) => a.roles.length + a.users.length + a.groups.length > 0, 'name at least one role, user or group');

const policyFields = {
  approvers: approversSchema,
  required: z.number().int().min(1).max(20),
  rejectEndsRun: z.boolean(),
  timeout: durationMs,
  remindBefore: z.array(durationMs),
  channel: channelId,
};

/** A complete policy, with defaults for what is left out. */
const policySchema = z
  .object({
    approvers: policyFields.approvers,
    required: policyFields.required.default(1),
    rejectEndsRun: policyFields.rejectEndsRun.default(true),
    timeout: policyFields.timeout.default(30 * 60_000),
    remindBefore: policyFields.remindBefore.default([10 * 60_000]),
    channel: policyFields.channel.optional(),
  })
  .strict();

/** What a pipeline may change of its environment's policy. */
const overrideSchema = z
  .object({
    approvers: policyFields.approvers.optional(),
    required: policyFields.required.optional(),
    rejectEndsRun: policyFields.rejectEndsRun.optional(),
    timeout: policyFields.timeout.optional(),
    remindBefore: policyFields.remindBefore.optional(),
    channel: policyFields.channel.optional(),
  })
  .strict();

const envPolicySchema = policySchema.extend({ pipelines: z.record(z.string(), overrideSchema).default({}) }).strict();

export const approvalsFileSchema = z
  .object({
    policies: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'policy names are lowercase words'), policySchema).default({}),
    environments: z.record(z.string(), envPolicySchema).default({}),
    freezes: z.array(freezeSchema).default([]),
  })
  .strict()
  .superRefine((file, ctx) => {
    const names = new Set<string>();
    file.freezes.forEach((f, i) => {
      if (names.has(f.name)) ctx.addIssue({ code: 'custom', path: ['freezes', i, 'name'], message: `freeze ${f.name} is defined twice` });
      names.add(f.name);
    });
  });

export type ApprovalsFile = z.infer<typeof approvalsFileSchema>;
export type Approvers = { roles: string[]; users: string[]; groups: string[] };

/** The policy that applies to one gate; copied onto the gate so later config edits do not move it. */
export interface ResolvedPolicy {
  /** `production`, `production/checkout-deploy` or a named policy. */
  name: string;
  approvers: Approvers;
  required: number;
  rejectEndsRun: boolean;
  timeoutMs: number;
  remindBeforeMs: number[];
  channel?: string;
}

/**
 * The policy for a run: a named policy when the stage asks for one, else the environment's policy
 * refined by its per-pipeline entry. Null when the environment has none.
 */
export function resolvePolicy(file: ApprovalsFile, q: { env: string; pipeline: string; named?: string }): ResolvedPolicy | null {
  if (q.named) {
    const p = file.policies[q.named];
    return p ? toResolved(q.named, p) : null;
  }
  const envPolicy = file.environments[q.env];
  if (!envPolicy) return null;
  const { pipelines, ...base } = envPolicy;
  const override = pipelines[q.pipeline];
  if (!override) return toResolved(q.env, base);
  const merged = Object.fromEntries(Object.entries({ ...base, ...override }).filter(([, v]) => v !== undefined)) as typeof base;
  return toResolved(`${q.env}/${q.pipeline}`, merged);
}

function toResolved(name: string, p: z.infer<typeof policySchema>): ResolvedPolicy {
  return {
    name,
    approvers: { roles: [...p.approvers.roles], users: [...p.approvers.users], groups: [...p.approvers.groups] },
    required: p.required,
    rejectEndsRun: p.rejectEndsRun,
    timeoutMs: p.timeout,
    remindBeforeMs: [...p.remindBefore].filter((ms) => ms > 0 && ms < p.timeout).sort((a, b) => b - a),
    ...(p.channel ? { channel: p.channel } : {}),
  };
}

export type Eligibility = { ok: true; via: string } | { ok: false; rule: string; message: string };

/** Whether a person may vote on a gate under this policy (the requester may never approve). */
export async function checkEligibility(
  policy: ResolvedPolicy,
  actor: Actor,
  requester: string,
  groupMembers: (groupId: string) => Promise<string[]>,
  vote: 'approve' | 'reject' = 'approve',
): Promise<Eligibility> {
  if (vote === 'approve' && actor.userId === requester) {
    return { ok: false, rule: 'requester-cannot-approve', message: 'You started this run, so you cannot approve it: someone else has to.' };
  }
  const a = policy.approvers;
  if (a.users.includes(actor.userId)) return { ok: true, via: `user ${actor.userId}` };
  const role = a.roles.find((r) => AccessControl.has(actor, r));
  if (role) return { ok: true, via: `role ${role}` };
  for (const g of a.groups) {
    if ((await groupMembers(g)).includes(actor.userId)) return { ok: true, via: `group ${g}` };
  }
  return {
    ok: false,
    rule: 'not-an-approver',
    message: `Policy \`${policy.name}\` lets only ${describeApprovers(a)} approve or reject this deployment.`,
  };
}

/** `role \`approver\`, group <!subteam^S0APPROVERS>, <@U0X>` */
export function describeApprovers(a: Approvers): string {
  const parts = [...a.roles.map((r) => `role \`${r}\``), ...a.groups.map((g) => `group ${subteam(g)}`), ...a.users.map((u) => mention(u))];
  return parts.length ? parts.join(', ') : 'nobody';
}
