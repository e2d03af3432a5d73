/** Block Kit as plain data: the shape every message, modal and Home is built of. */
export type Block = { type: string; block_id?: string; [key: string]: unknown };

export interface MessageContent {
  /** Fallback text: notifications, screen readers, and the console's first line. */
  text: string;
  blocks?: Block[];
}
