/**
 * Sharing a file (a chart) into a channel. Not queued like messages: the job that uploads retries
 * on failure, and a file is only worth sharing once its bytes exist. src/adapters/slack/files.ts
 * implements it with Slack's two-step external upload.
 */
export interface FileShare {
  channel: string;
  /** With its extension: Slack derives the type from it (`delivery-2026-11-30.png`). */
  filename: string;
  title: string;
  /** What the image shows, for screen readers. */
  altText: string;
  bytes: Uint8Array;
  /** The message that introduces the file; passes the outbound boundary (escaped, masked). */
  comment?: string;
}

export interface ChatFiles {
  share(file: FileShare): Promise<void>;
}
