import { loadWorkspaceSeed } from '../../src/local-slack/index.js';
import type { WorkspaceSeed } from '../../src/local-slack/types.js';

/** Twenty approvers in one user group (S0FANOUT), for 2-of-20 gates (config/fanout.yml). */
export const FAN = Array.from({ length: 20 }, (_, i) => `U0FAN${String(i + 1).padStart(2, '0')}`);

/** The shipped local workspace plus the twenty approvers and their group. */
export function seedWithFanout(): WorkspaceSeed {
  const seed = loadWorkspaceSeed('config/workspace.yml');
  const people = FAN.map((id) => ({ id, name: id.toLowerCase(), real_name: `Approver ${id}`, email: `${id.toLowerCase()}@example.com` }));
  return {
    ...seed,
    users: [...seed.users, ...people],
    usergroups: [...seed.usergroups, { id: 'S0FANOUT', handle: 'fanout-approvers', name: 'Fan-out approvers', users: FAN }],
  };
}
