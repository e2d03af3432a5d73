import { existsSync } from 'node:fs';
import { z } from 'zod';
import { loadYamlFile } from '../../core/config/yaml-file.js';

/**
 * config/teams.yml: the team of each service. A team may change its service's plan items (besides
 * their owner and `planner`), and `/plan` changes to those items are posted in its channel so the
 * team sees them. Optional: without the file no service has a team.
 */
const teamSchema = z
  .object({
    channel: z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id like C012ABCDEF')
      .optional(),
    users: z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id like U012ABCDEF')).default([]),
    groups: z.array(z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id like S012ABCDEF')).default([]),
  })
  .strict();
export type Team = z.infer<typeof teamSchema>;

export const teamsFileSchema = z
  .object({ teams: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a service name'), teamSchema).default({}) })
  .strict();
export type Teams = Record<string, Team>;

export function loadTeams(file: string): Teams {
  return existsSync(file) ? loadYamlFile(file, teamsFileSchema).teams : {};
}
