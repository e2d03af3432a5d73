/**
 * Flattens Slack's `view.state.values` (block_id -> action_id -> element state) to one value per
 * block, which is how every Switchyard modal is built (one input per block).
 */
type ElementState = {
  type?: string;
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: Array<{ value: string }>;
  selected_user?: string | null;
  selected_users?: string[];
  selected_date?: string | null;
  selected_channel?: string | null;
};

export function viewValues(state: Record<string, Record<string, ElementState>>): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [blockId, actions] of Object.entries(state ?? {})) {
    const el = Object.values(actions)[0];
    if (!el) continue;
    const v =
      el.value ??
      el.selected_option?.value ??
      el.selected_options?.map((o) => o.value) ??
      el.selected_user ??
      el.selected_users ??
      el.selected_date ??
      el.selected_channel ??
      undefined;
    out[blockId] = v === null ? undefined : v;
  }
  return out;
}
