import { join } from 'node:path';
import type { z } from 'zod';
import { accessFileSchema } from '../core/access.js';
import { parseYamlText } from '../core/config/yaml-file.js';
import { approvalsFileSchema } from '../domain/approvals/policy.js';
import { incidentsFileSchema } from '../domain/incidents/config.js';

/**
 * Renders the starter config files of `npm run init` from what Slack answered and what the
 * operator chose. Pure: no Slack, no disk. Every file is parsed back with the schema the bot loads
 * it with, so init can never write a file the bot refuses at start-up.
 */
export interface WsUser {
  id: string;
  name: string;
  real_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  profile?: { email?: string };
}
export interface WsGroup {
  id: string;
  handle: string;
  name: string;
  user_count?: number;
  date_delete?: number;
}
export interface WsChannel {
  id: string;
  name: string;
  is_private?: boolean;
  is_archived?: boolean;
  is_member?: boolean;
}
export interface Workspace {
  team: string;
  users: WsUser[];
  groups: WsGroup[];
  channels: WsChannel[];
}

export interface Choices {
  admins: WsUser[];
  approvers: WsGroup[];
  noc: WsChannel;
  helpdesk: WsChannel;
  stakeholders: WsChannel;
  announce?: WsChannel | undefined;
  approvals?: WsChannel | undefined;
}

/** Listed in comments for reference; a huge workspace is cut here. */
const LIST_LIMIT = 300;

/** Slack names end up in YAML comments: one line each, nothing that could close the comment. */
const clean = (s: string | undefined) => (s ?? '').replace(/[\r\n\t]+/g, ' ').slice(0, 80);

function listing<T>(title: string, items: T[], line: (t: T) => string): string[] {
  const out = [`# ${title} (${items.length}):`, ...items.slice(0, LIST_LIMIT).map((t) => `#   ${line(t)}`)];
  if (items.length > LIST_LIMIT) out.push(`#   ... and ${items.length - LIST_LIMIT} more`);
  return out;
}

const ids = (items: { id: string }[]) => `[${items.map((i) => i.id).join(', ')}]`;
const channelNote = (c: WsChannel) => `#${clean(c.name)}${c.is_member === false ? ' (invite the bot: /invite @bot there)' : ''}`;

function accessYml(ws: Workspace, c: Choices): string {
  const people = ws.users.filter((u) => !u.deleted && !u.is_bot);
  return [
    `# Who holds which role (written by \`npm run init\` from Slack workspace ${clean(ws.team)}).`,
    '# Grant roles to Slack user ids (U...) or user groups (S..., resolved through usergroups.users.list',
    '# and cached for 5 minutes). `admin` holds every role. Copy ids from the lists at the end.',
    'roles:',
    '  admin:',
    `    users: ${ids(c.admins)}` +
      `${c.admins.length ? `  # ${c.admins.map((u) => `@${clean(u.name)}`).join(' ')}` : '  # nobody yet: add your own id'}`,
    '  # May approve production deployments (config/approvals.yml names this role).',
    '  approver:',
    `    groups: ${ids(c.approvers)}  # ${c.approvers.map((g) => `@${clean(g.handle)}`).join(' ')}`,
    '  deployer: { users: [], groups: [] }',
    '  prod-deployer: { users: [], groups: [] }',
    '  # May acknowledge, update and resolve any incident and assign its roles.',
    '  incident-commander: { users: [], groups: [] }',
    '  planner: { users: [], groups: [] }',
    '  secrets-reader: { users: [], groups: [] }',
    '  auditor: { users: [], groups: [] }',
    '  # Runbooks (runbooks/*.yml `allow:`): tier-1 steps for the NOC and the help desk.',
    '  noc: { users: [], groups: [] }',
    '  helpdesk: { users: [], groups: [] }',
    '',
    ...listing('Users of this workspace: id, handle, name', people, (u) => `${u.id}  @${clean(u.name)}  ${clean(u.real_name)}`),
    ...listing('User groups: id, handle, name', ws.groups, (g) => `${g.id}  @${clean(g.handle)}  ${clean(g.name)}`),
    '',
  ].join('\n');
}

function approvalsYml(c: Choices): string {
  return [
    '# Deployment approvals and change freezes (written by `npm run init`; see the README for every field).',
    '# `approver` is granted in access.yml to the groups you chose; the person who started a run can',
    '# never approve it. Raise `required` for two-person review.',
    'environments:',
    '  production:',
    '    approvers:',
    '      roles: [approver]',
    '    required: 1',
    '    rejectEndsRun: true',
    '    timeout: 30m',
    '    remindBefore: [10m]',
    ...(c.approvals
      ? [`    channel: ${c.approvals.id}  # ${channelNote(c.approvals)}`]
      : ['    # channel: C...  the approval requests are also posted there']),
    '    pipelines: {}',
    'policies: {}',
    'freezes: []',
    '',
  ].join('\n');
}

function incidentsYml(ws: Workspace, c: Choices): string {
  const n = c.noc.id;
  const h = c.helpdesk.id;
  const s = c.stakeholders.id;
  const live = ws.channels.filter((ch) => !ch.is_archived);
  return [
    '# Incidents: where incident news goes, the timers, who responds (written by `npm run init`).',
    `# noc: ${c.noc.id} ${channelNote(c.noc)}; helpdesk: ${c.helpdesk.id} ${channelNote(c.helpdesk)};`,
    `# stakeholders: ${c.stakeholders.id} ${channelNote(c.stakeholders)}.`,
    'timeline_emoji: pushpin',
    ...(c.announce
      ? [`announce_channel: ${c.announce.id}  # ${channelNote(c.announce)}`]
      : ['# announce_channel: C...  every declaration is announced there']),
    'timers:',
    '  SEV1: { update_reminder: 15m, acknowledge_timeout: 5m }',
    '  SEV2: { update_reminder: 30m, acknowledge_timeout: 10m }',
    '  SEV3: { update_reminder: 2h,  acknowledge_timeout: 30m }',
    '  SEV4: { update_reminder: 1d,  acknowledge_timeout: 2h }',
    'notify:',
    `  SEV1: { stakeholders: [${s}], noc: [${n}], helpdesk: [${h}] }`,
    `  SEV2: { stakeholders: [${s}], noc: [${n}], helpdesk: [${h}] }`,
    `  SEV3: { noc: [${n}], helpdesk: [${h}] }`,
    `  SEV4: { noc: [${n}] }`,
    '# Who is paged when an incident names no service with an on-call (user ids, group ids, emails).',
    'fallback:',
    '  oncall: { users: [], groups: [], emails: [] }',
    '  escalation: []',
    '# Per service: team_channel, oncall, escalation, runbook, dashboards, upstream, downstream, notify.',
    'services: {}',
    '',
    ...listing(
      'Channels the bot can see: id, name',
      live,
      (ch) => `${ch.id}  #${clean(ch.name)}${ch.is_private ? ' (private)' : ''}${ch.is_member ? '' : ' (bot not a member)'}`,
    ),
    '',
  ].join('\n');
}

/** File name -> text, each already parsed back with the bot's own schema (ConfigError if not). */
export function renderConfig(ws: Workspace, c: Choices, dir: string): Map<string, string> {
  const files: Array<[string, string, z.ZodType]> = [
    ['access.yml', accessYml(ws, c), accessFileSchema],
    ['approvals.yml', approvalsYml(c), approvalsFileSchema],
    ['incidents.yml', incidentsYml(ws, c), incidentsFileSchema],
  ];
  const out = new Map<string, string>();
  for (const [name, text, schema] of files) {
    parseYamlText(join(dir, name), text, schema);
    out.set(name, text);
  }
  return out;
}
