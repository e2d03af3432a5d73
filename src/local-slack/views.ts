// Modal stacks and Home tabs, shared by the views.* methods and by view_submission handling.
import { randomBytes } from 'node:crypto';
import { randomId, withIds } from './state.js';
import type { Workspace } from './state.js';
import { ApiError } from './types.js';
import type { Block, View } from './types.js';

type Spec = Record<string, unknown>;

function newHash(ws: Workspace): string {
  return `${Math.floor(ws.now() / 1000)}.${randomBytes(4).toString('hex')}`;
}

function content(spec: Spec) {
  return {
    type: spec.type === 'home' ? ('home' as const) : ('modal' as const),
    callback_id: typeof spec.callback_id === 'string' ? spec.callback_id : '',
    private_metadata: typeof spec.private_metadata === 'string' ? spec.private_metadata : '',
    external_id: typeof spec.external_id === 'string' ? spec.external_id : '',
    ...(spec.title !== undefined ? { title: spec.title } : {}),
    ...(spec.submit !== undefined ? { submit: spec.submit } : {}),
    ...(spec.close !== undefined ? { close: spec.close } : {}),
    notify_on_close: spec.notify_on_close === true,
    clear_on_close: spec.clear_on_close === true,
    blocks: withIds((spec.blocks as Block[] | undefined) ?? []),
  };
}

function checkExternalId(ws: Workspace, externalId: unknown, self?: View): void {
  if (typeof externalId !== 'string' || !externalId) return;
  for (const v of ws.views.values()) if (v !== self && v.external_id === externalId) throw new ApiError('duplicate_external_id');
}

/** The modal the user currently sees (top of their stack), if any. */
export function topModal(ws: Workspace, user: string): View | undefined {
  let top: View | undefined;
  for (const v of ws.views.values()) if (v.type === 'modal' && v.open && v.user === user) top = v;
  return top;
}

/** views.open (parent undefined: replaces any open stack of that user) and views.push (parent = top). */
export function openView(ws: Workspace, spec: Spec, user: string, parent?: View): View {
  checkExternalId(ws, spec.external_id);
  if (!parent) for (const v of ws.views.values()) if (v.user === user && v.type === 'modal') v.open = false;
  if (parent) {
    let depth = 1;
    for (let p: View | undefined = parent; p?.previous_view_id; p = ws.views.get(p.previous_view_id)) depth++;
    if (depth >= 3) throw new ApiError('push_limit_reached');
  }
  const view = newView(ws, user, spec, parent);
  ws.o.emit('view', view);
  return view;
}

/** A new view in the workspace: a modal on top of `parent`'s stack, or the root of a new one. */
function newView(ws: Workspace, user: string, spec: Spec, parent?: View): View {
  const id = randomId('V');
  const view: View = {
    id,
    team_id: ws.team.id,
    app_id: ws.o.appId,
    bot_id: ws.o.botId,
    user,
    ...content(spec),
    state: { values: {} },
    hash: newHash(ws),
    root_view_id: parent?.root_view_id ?? id,
    previous_view_id: parent?.id ?? null,
    open: true,
  };
  ws.views.set(id, view);
  return view;
}

/** views.update / response_action update: same id and stack place, new content and hash. */
export function replaceView(ws: Workspace, view: View, spec: Spec, hash?: string): View {
  if (hash && hash !== view.hash) throw new ApiError('hash_conflict');
  checkExternalId(ws, spec.external_id, view);
  Object.assign(view, content(spec), { state: { values: {} }, hash: newHash(ws) });
  ws.o.emit(view.type === 'home' ? 'home' : 'view', view);
  return view;
}

/** Close a modal; `all` closes the whole stack (response_action clear). */
export function closeView(ws: Workspace, view: View, all = false): void {
  view.open = false;
  if (all) {
    for (const v of ws.views.values()) if (v.root_view_id === view.root_view_id) v.open = false;
  } else if (view.previous_view_id) {
    const prev = ws.views.get(view.previous_view_id);
    if (prev) {
      prev.open = true;
      ws.o.emit('view', prev);
    }
  }
  ws.o.emit('view_closed', view);
}

export function publishHome(ws: Workspace, user: string, spec: Spec, hash?: string): View {
  const existing = ws.homes.get(user);
  const current = existing ? ws.views.get(existing) : undefined;
  if (current) return replaceView(ws, current, spec, hash);
  const view = newView(ws, user, spec);
  ws.homes.set(user, view.id);
  ws.o.emit('home', view);
  return view;
}
