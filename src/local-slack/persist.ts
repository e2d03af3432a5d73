// The local workspace's state in a JSON file, so `npm start` keeps its channels, messages, pins,
// members and views across restarts (the bot's Redis remembers channel ids; Slack must too).
// Written debounced and atomically (temp file + rename): a crash leaves the previous copy whole.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LocalSlack } from './local-slack.js';
import type { Bookmark, Channel, Message, View } from './types.js';

const VERSION = 1;

interface Saved {
  version: number;
  team: string;
  channels: Channel[];
  messages: [string, Message[]][];
  pins: [string, string[]][];
  bookmarks: [string, Bookmark[]][];
  views: View[];
  homes: [string, string][];
}

/** Events after which the workspace differs from the saved copy. */
const CHANGES = ['message', 'update', 'delete', 'view', 'home', 'view_closed', 'member_joined', 'channel', 'call'];

export interface Persistence {
  /** Whether a saved workspace was loaded. */
  restored: boolean;
  /** Write now (pending changes included). */
  flush(): void;
  /** Write pending changes and stop listening. */
  close(): void;
}

function snapshot(slack: LocalSlack): Saved {
  const ws = slack.workspace;
  return {
    version: VERSION,
    team: ws.team.id,
    channels: [...ws.channels.values()],
    messages: [...ws.messages.entries()],
    pins: [...ws.pins.entries()],
    bookmarks: [...ws.bookmarks.entries()],
    // Modals are closed by a restart (the Slack client that showed them went away); Home tabs stay.
    views: [...ws.views.values()].filter((v) => v.type === 'home'),
    homes: [...ws.homes.entries()],
  };
}

function restore(slack: LocalSlack, saved: Saved): void {
  const ws = slack.workspace;
  for (const c of saved.channels) {
    const seeded = ws.channels.get(c.id);
    // Seeded channels keep the seed's people too: someone added to workspace.yml since is not lost.
    ws.channels.set(c.id, seeded ? { ...c, members: [...new Set([...c.members, ...seeded.members])] } : c);
  }
  for (const [ch, list] of saved.messages) ws.messages.set(ch, list);
  for (const [ch, list] of saved.pins) ws.pins.set(ch, list);
  for (const [ch, list] of saved.bookmarks) ws.bookmarks.set(ch, list);
  for (const v of saved.views) ws.views.set(v.id, v);
  for (const [user, id] of saved.homes) if (ws.views.has(id)) ws.homes.set(user, id);
}

function read(file: string): Saved | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined; // first start
  }
  const data = JSON.parse(text) as Partial<Saved>;
  if (data.version !== VERSION || !Array.isArray(data.channels) || !Array.isArray(data.messages))
    throw new Error(`${file} is not a saved local workspace (version ${String(data.version)}); move it away to start afresh`);
  return data as Saved;
}

/**
 * Loads `file` into the workspace (before the bot starts) and keeps it written after changes.
 * A file of another team (another workspace.yml) is ignored, not merged.
 */
export function persistWorkspace(slack: LocalSlack, file: string, o: { debounceMs?: number } = {}): Persistence {
  const saved = read(file);
  const restored = saved !== undefined && saved.team === slack.workspace.team.id;
  if (saved && restored) restore(slack, saved);
  let timer: NodeJS.Timeout | undefined;
  const write = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(snapshot(slack)));
    renameSync(tmp, file);
  };
  const changed = () => {
    timer ??= setTimeout(write, o.debounceMs ?? 250);
  };
  for (const e of CHANGES) slack.on(e, changed);
  return {
    restored,
    flush: write,
    close() {
      for (const e of CHANGES) slack.off(e, changed);
      if (timer) write();
    },
  };
}
