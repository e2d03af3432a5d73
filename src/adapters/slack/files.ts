import type { WebClient } from '@slack/web-api';
import type { OutboundFilter } from '../../core/outbound.js';
import type { ChatFiles, FileShare } from '../../core/ports/files.js';
import { UpstreamError } from '../../core/errors.js';

/**
 * Slack's external upload (files.upload is retired): ask for an upload URL sized for the bytes,
 * POST the bytes there, then complete the upload into the channel. Needs the `files:write` scope.
 * The comment and title pass the outbound boundary like every other text to Slack.
 */
export class SlackFiles implements ChatFiles {
  constructor(
    private readonly client: WebClient,
    private readonly filter: OutboundFilter,
  ) {}

  async share(f: FileShare): Promise<void> {
    const ticket = await this.client.files.getUploadURLExternal({
      filename: f.filename,
      length: f.bytes.length,
      alt_text: this.filter.plain(f.altText).slice(0, 1000),
    });
    if (!ticket.upload_url || !ticket.file_id) throw new UpstreamError('slack', 'files.getUploadURLExternal gave no upload URL');
    const res = await fetch(ticket.upload_url, { method: 'POST', body: f.bytes, headers: { 'content-type': 'application/octet-stream' } });
    if (!res.ok)
      throw new UpstreamError('slack', `file upload answered HTTP ${res.status}`, { retryable: res.status >= 500 || res.status === 429 });
    await this.client.files.completeUploadExternal({
      files: [{ id: ticket.file_id, title: this.filter.plain(f.title).slice(0, 250) }],
      channel_id: f.channel,
      ...(f.comment ? { initial_comment: this.filter.text(f.comment) } : {}),
    });
  }
}
