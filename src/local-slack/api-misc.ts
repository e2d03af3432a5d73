// auth.*, users.*, usergroups.* and views.* Web API methods.
import type { Handler } from './api-chat.js';
import { decodeView } from './blocks.js';
import { ApiError } from './types.js';
import { bool, need, page, str } from './wire.js';
import { openView, publishHome, replaceView, topModal } from './views.js';
import { wireView } from './wire.js';

export const miscMethods: Record<string, Handler> = {
  'api.test': (_ws, args) => ({ args }),

  'auth.test': (ws) => ({
    url: `https://${ws.team.domain}.slack.com/`,
    team: ws.team.name,
    user: ws.o.botName,
    team_id: ws.team.id,
    user_id: ws.o.botUserId,
    bot_id: ws.o.botId,
    is_enterprise_install: false,
  }),

  'team.info': (ws) => ({ team: { id: ws.team.id, name: ws.team.name, domain: ws.team.domain, email_domain: 'example.com' } }),

  'users.profile.get': (ws, args) => {
    const user = ws.user(str(args, 'user') ?? '');
    if (!user) throw new ApiError('user_not_found');
    return { profile: user.profile };
  },

  'users.info': (ws, args) => {
    const user = ws.user(need(args, 'user', 'user_not_found'));
    if (!user) throw new ApiError('user_not_found');
    return { user: ws.wireUser(user) };
  },

  'users.list': (ws, args) => {
    const p = page(
      [...ws.users.values()].map((u) => ws.wireUser(u)),
      args,
      200,
    );
    return { members: p.items, cache_ts: Math.floor(ws.now() / 1000), response_metadata: { next_cursor: p.next_cursor } };
  },

  'users.lookupByEmail': (ws, args) => {
    const email = need(args, 'email', 'users_not_found').toLowerCase();
    for (const u of ws.users.values()) if (u.profile.email?.toLowerCase() === email) return { user: u };
    throw new ApiError('users_not_found');
  },

  'usergroups.list': (ws, args) => {
    const withUsers = bool(args, 'include_users') ?? false;
    const usergroups = [...ws.usergroups.values()].map((g) => ({
      id: g.id,
      team_id: ws.team.id,
      is_usergroup: true,
      name: g.name,
      handle: g.handle,
      description: '',
      user_count: g.users.length,
      ...(withUsers ? { users: g.users } : {}),
    }));
    return { usergroups };
  },

  'usergroups.users.list': (ws, args) => {
    const g = ws.usergroups.get(need(args, 'usergroup', 'no_such_subteam'));
    if (!g) throw new ApiError('no_such_subteam');
    return { users: [...g.users] };
  },

  'views.open': (ws, args) => {
    const triggerId = need(args, 'trigger_id', 'invalid_trigger_id');
    const spec = decodeView(args.view, 'modal');
    const trigger = ws.useTrigger(triggerId);
    return { view: wireView(openView(ws, spec, trigger.user)) };
  },

  'views.push': (ws, args) => {
    const triggerId = need(args, 'trigger_id', 'invalid_trigger_id');
    const spec = decodeView(args.view, 'modal');
    const trigger = ws.useTrigger(triggerId);
    const top = topModal(ws, trigger.user);
    if (!top) throw new ApiError('not_found', ['[ERROR] no open modal to push onto']);
    return { view: wireView(openView(ws, spec, trigger.user, top)) };
  },

  'views.update': (ws, args) => {
    const viewId = str(args, 'view_id');
    const externalId = str(args, 'external_id');
    if (!viewId && !externalId) throw new ApiError('invalid_arguments', ['[ERROR] view_id or external_id is required']);
    const view = viewId ? ws.views.get(viewId) : [...ws.views.values()].find((v) => v.external_id === externalId);
    if (!view) throw new ApiError('not_found');
    const spec = decodeView(args.view, view.type);
    return { view: wireView(replaceView(ws, view, spec, str(args, 'hash'))) };
  },

  'views.publish': (ws, args) => {
    const user = need(args, 'user_id', 'invalid_arguments');
    if (!ws.user(user)) throw new ApiError('user_not_found');
    const spec = decodeView(args.view, 'home');
    return { view: wireView(publishHome(ws, user, spec, str(args, 'hash'))) };
  },
};
