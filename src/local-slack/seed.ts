import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import type { WorkspaceSeed } from './types.js';

/** The default seed shipped with the repository: config/workspace.yml. */
export const DEFAULT_SEED_FILE = fileURLToPath(new URL('../../config/workspace.yml', import.meta.url));

const channelName = z
  .string()
  .regex(/^[a-z0-9_-]{1,80}$/, 'channel names are lowercase letters, digits, "-" and "_", at most 80 characters');

const seedSchema = z
  .object({
    team: z.object({ id: z.string().regex(/^T[A-Z0-9]+$/, 'team id must look like T...'), name: z.string().min(1) }),
    users: z
      .array(
        z.object({
          id: z.string().regex(/^[UW][A-Z0-9]+$/, 'user id must look like U...'),
          name: z.string().regex(/^[a-z0-9._-]+$/, 'user name is a lowercase handle'),
          real_name: z.string().min(1),
          email: z.email(),
          tz: z.string().optional(),
          title: z.string().optional(),
          is_bot: z.boolean().optional(),
        }),
      )
      .min(1),
    usergroups: z
      .array(
        z.object({
          id: z.string().regex(/^S[A-Z0-9]+$/, 'usergroup id must look like S...'),
          handle: z.string().regex(/^[a-z0-9._-]+$/, 'handle is lowercase, without "@"'),
          name: z.string().min(1),
          users: z.array(z.string()),
        }),
      )
      .default([]),
    channels: z
      .array(
        z.object({
          id: z.string().regex(/^[CG][A-Z0-9]+$/, 'channel id must look like C...'),
          name: channelName,
          is_private: z.boolean().optional(),
          members: z.array(z.string()).default([]),
          topic: z.string().optional(),
          purpose: z.string().optional(),
          bot_member: z.boolean().optional(),
        }),
      )
      .default([]),
  })
  .superRefine((seed, ctx) => {
    const userIds = new Set<string>();
    seed.users.forEach((u, i) => {
      if (userIds.has(u.id)) ctx.addIssue({ code: 'custom', path: ['users', i, 'id'], message: `duplicate user id ${u.id}` });
      userIds.add(u.id);
    });
    const unique = (items: { id: string; name: string }[], kind: string) => {
      const ids = new Set<string>();
      const names = new Set<string>();
      items.forEach((it, i) => {
        if (ids.has(it.id)) ctx.addIssue({ code: 'custom', path: [kind, i, 'id'], message: `duplicate id ${it.id}` });
        if (names.has(it.name)) ctx.addIssue({ code: 'custom', path: [kind, i, 'name'], message: `duplicate name ${it.name}` });
        ids.add(it.id);
        names.add(it.name);
      });
    };
    unique(seed.users, 'users');
    unique(seed.channels, 'channels');
    unique(
      seed.usergroups.map((g) => ({ id: g.id, name: g.handle })),
      'usergroups',
    );
    seed.usergroups.forEach((g, i) =>
      g.users.forEach((u, j) => {
        if (!userIds.has(u)) ctx.addIssue({ code: 'custom', path: ['usergroups', i, 'users', j], message: `unknown user ${u}` });
      }),
    );
    seed.channels.forEach((c, i) =>
      c.members.forEach((u, j) => {
        if (!userIds.has(u)) ctx.addIssue({ code: 'custom', path: ['channels', i, 'members', j], message: `unknown user ${u}` });
      }),
    );
  });

/** Validate an already-parsed seed object; `source` names it in errors. */
export function parseWorkspaceSeed(data: unknown, source = 'workspace seed'): WorkspaceSeed {
  const result = seedSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new Error(`Invalid workspace seed ${source}:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Load and validate a workspace seed YAML file. */
export function loadWorkspaceSeed(file: string): WorkspaceSeed {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read workspace seed ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new Error(`Workspace seed ${file} is not valid YAML: ${(err as Error).message}`);
  }
  return parseWorkspaceSeed(data, file);
}
