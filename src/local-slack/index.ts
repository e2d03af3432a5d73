// Local Slack workspace: a loopback server that behaves like Slack toward a Bolt app (Web API, signed
// slash commands / interactivity / events, response_url), plus a terminal console. Domain-neutral.
export { LocalSlack, startLocalSlack } from './local-slack.js';
export type { EventResult, PressButtonInput, SlashCommandInput } from './local-slack.js';
export { loadWorkspaceSeed, parseWorkspaceSeed, DEFAULT_SEED_FILE } from './seed.js';
export { runConsole } from './console.js';
export { startLocalExtras } from './local-app.js';
export type { LocalExtras } from './local-app.js';
export type { ConsoleOptions } from './console.js';
export { renderBlocks, formatText } from './render.js';
export type { RenderOptions, RenderedButton, RenderedInput } from './render.js';
export { sign } from './payloads.js';
export type { Delivery } from './payloads.js';
export type { InputValues } from './view-state.js';
export type {
  ApiCall,
  Block,
  Bookmark,
  Channel,
  Ephemeral,
  Failure,
  LocalSlackOptions,
  Message,
  Reaction,
  SeedChannel,
  SeedUser,
  SeedUsergroup,
  User,
  View,
  WorkspaceSeed,
} from './types.js';
