// files.getUploadURLExternal / files.completeUploadExternal, the upload URL they hand out, and a
// download path for the bytes (the browser page shows uploaded images from it).
//
// Slack's two-step upload (docs.slack.dev/reference/methods/files.getUploadURLExternal):
//  1. files.getUploadURLExternal {filename, length, alt_txt?} -> {upload_url, file_id}; both
//     filename and length are required (`invalid_arguments` otherwise).
//  2. POST the file's bytes (raw body, or multipart form) to upload_url -> 200 "OK - <length>".
//  3. files.completeUploadExternal {files: [{id, title?}], channel_id?, initial_comment?, thread_ts?}
//     -> {files: [...]}; shared into channel_id as a message with `files`. A file id never
//     uploaded answers `file_not_found`; a channel the bot cannot post to, `channel_not_found`.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Handler } from './api-chat.js';
import type { Workspace } from './state.js';
import { ApiError, type LocalFile } from './types.js';
import { json, need, str } from './wire.js';

export type { LocalFile } from './types.js';

interface Upload {
  file: LocalFile;
  expected: number;
  bytes?: Buffer;
}

/** Uploads per workspace (kept beside its state, not in it: the bytes never go to the wire as JSON). */
const uploads = new WeakMap<Workspace, Map<string, Upload>>();
const filesOf = (ws: Workspace) => {
  let m = uploads.get(ws);
  if (!m) uploads.set(ws, (m = new Map()));
  return m;
};

const MIME: Record<string, string> = { png: 'image/png', svg: 'image/svg+xml', jpg: 'image/jpeg', txt: 'text/plain', csv: 'text/csv' };

/** The bytes of an uploaded, completed file (tests and the browser page read it). */
export function fileBytes(ws: Workspace, id: string): { file: LocalFile; bytes: Buffer } | undefined {
  const u = filesOf(ws).get(id);
  return u?.bytes ? { file: u.file, bytes: u.bytes } : undefined;
}

export function fileMethods(baseUrl: () => string): Record<string, Handler> {
  return {
    'files.getUploadURLExternal': (ws, args) => {
      const filename = str(args, 'filename');
      const length = Number(str(args, 'length'));
      if (!filename || !Number.isInteger(length) || length <= 0) throw new ApiError('invalid_arguments');
      const id = `F${randomBytes(5).toString('hex').toUpperCase()}`;
      const ext = filename.split('.').pop()?.toLowerCase() ?? '';
      // Slack's reference names it alt_txt; @slack/web-api sends alt_text. Both are taken.
      const altText = str(args, 'alt_txt') ?? str(args, 'alt_text');
      const file: LocalFile = {
        id,
        name: filename,
        title: filename,
        mimetype: MIME[ext] ?? 'application/octet-stream',
        size: length,
        url_private: `${baseUrl()}files/${id}/${encodeURIComponent(filename)}`,
        ...(altText ? { alt_txt: altText } : {}),
      };
      filesOf(ws).set(id, { file, expected: length });
      return { upload_url: `${baseUrl()}upload/${id}`, file_id: id };
    },

    'files.completeUploadExternal': (ws, args) => {
      const list = json(args, 'files');
      if (!Array.isArray(list) || !list.length) throw new ApiError('invalid_arguments');
      const done: LocalFile[] = [];
      for (const entry of list as Array<{ id?: unknown; title?: unknown }>) {
        const u = filesOf(ws).get(String(entry.id));
        if (!u?.bytes) throw new ApiError('file_not_found');
        if (typeof entry.title === 'string' && entry.title) u.file.title = entry.title;
        done.push(u.file);
      }
      const channel = str(args, 'channel_id');
      if (channel) {
        const ch = ws.visibleChannel(need(args, 'channel_id', 'channel_not_found'));
        const msg = ws.addMessage({
          channel: ch.id,
          user: ws.o.botUserId,
          text: str(args, 'initial_comment') ?? '',
          bot: true,
          ...(str(args, 'thread_ts') ? { thread_ts: str(args, 'thread_ts')! } : {}),
        });
        msg.files = done.map((f) => ({ ...f }));
      }
      return { files: done.map((f) => ({ id: f.id, title: f.title })) };
    },
  };
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** POST <upload_url>: the bytes, raw or as the one part of a multipart form. */
export async function handleUpload(ws: Workspace, id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const u = filesOf(ws).get(id);
  if (!u) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('file_not_found');
    return;
  }
  let bytes = await readRaw(req);
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(req.headers['content-type'] ?? '');
  if (boundary) bytes = firstPart(bytes, boundary[1] ?? boundary[2]!);
  u.bytes = bytes;
  u.file.size = bytes.length;
  res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
}

/** GET /files/<id>/<name>: the stored bytes with their type. */
export function handleDownload(ws: Workspace, id: string, res: ServerResponse): void {
  const f = fileBytes(ws, id);
  if (!f) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('file_not_found');
    return;
  }
  res.writeHead(200, { 'content-type': f.file.mimetype, 'content-length': String(f.bytes.length) }).end(f.bytes);
}

function firstPart(body: Buffer, boundary: string): Buffer {
  const start = body.indexOf(`--${boundary}`);
  const headerEnd = body.indexOf('\r\n\r\n', start);
  const end = body.indexOf(`\r\n--${boundary}`, headerEnd);
  return start < 0 || headerEnd < 0 || end < 0 ? body : body.subarray(headerEnd + 4, end);
}
