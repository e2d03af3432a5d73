// What `npm start` adds around the local workspace: its saved state (persist.ts) and the browser page (ui/).
import { join } from 'node:path';
import type { LocalSlack } from './local-slack.js';
import { persistWorkspace } from './persist.js';
import { startLocalUi } from './ui/server.js';
import type { LocalUi } from './ui/server.js';

export interface LocalExtras {
  /** The page's URL, or why it could not be served (the console still works). */
  page: { url: string } | { error: string };
  restored: boolean;
  close(): Promise<void>;
}

/** Loads the saved workspace from `dataDir` (call before the bot starts) and serves the page on `uiPort`. */
export async function startLocalExtras(slack: LocalSlack, o: { dataDir: string; uiPort: number }): Promise<LocalExtras> {
  const saved = persistWorkspace(slack, join(o.dataDir, 'local-slack.json'));
  let ui: LocalUi | undefined;
  let page: LocalExtras['page'];
  try {
    ui = await startLocalUi(slack, { port: o.uiPort });
    page = { url: ui.url };
  } catch (err) {
    page = { error: `the browser page could not listen on 127.0.0.1:${o.uiPort} (${(err as Error).message}); set LOCAL_UI_PORT` };
  }
  return {
    page,
    restored: saved.restored,
    async close() {
      await ui?.close();
      saved.close();
    },
  };
}
