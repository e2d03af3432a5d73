import { z } from 'zod';

/**
 * The parts of Slack's interactivity payloads the transport reads, parsed (not cast) once here:
 * Bolt types them as wide unions, and a payload missing what we need is refused, not guessed.
 */
const id = z.object({ id: z.string() });

export const actionBody = z.object({
  user: id,
  trigger_id: z.string().optional(),
  channel: id.optional(),
  container: z.object({ message_ts: z.string().optional(), view_id: z.string().optional() }).optional(),
  view: id.optional(),
});

export const shortcutBody = z.object({
  callback_id: z.string(),
  user: id,
  trigger_id: z.string(),
  channel: id.optional(),
  message: z
    .object({ ts: z.string(), text: z.string().optional(), user: z.string().optional(), thread_ts: z.string().optional() })
    .optional(),
});

/** An Events API event as the handlers receive it: an object, fields read by each handler. */
export const eventPayload = z.record(z.string(), z.unknown());
