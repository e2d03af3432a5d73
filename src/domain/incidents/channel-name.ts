/**
 * Incident channel names: `inc-YYYYMMDD-NNN-slug`, within Slack's rules (lowercase letters,
 * digits, `-` and `_`, at most 80 characters). A taken name gets `-2`, `-3`, ... so room for the
 * suffix is kept when the slug is cut.
 */
export const MAX_CHANNEL_NAME = 80;
const SUFFIX_ROOM = 3;

export function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function baseChannelName(number: number, declaredAt: number, title: string): string {
  const d = new Date(declaredAt);
  const date = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  const prefix = `inc-${date}-${String(number).padStart(3, '0')}`;
  const room = MAX_CHANNEL_NAME - SUFFIX_ROOM - prefix.length - 1;
  const slug = slugify(title).slice(0, Math.max(0, room)).replace(/-+$/, '');
  return slug ? `${prefix}-${slug}` : prefix;
}

/** The n-th candidate (0 = the base name). */
export function channelNameCandidate(base: string, attempt: number): string {
  return attempt === 0 ? base : `${base}-${attempt + 1}`.slice(0, MAX_CHANNEL_NAME);
}
