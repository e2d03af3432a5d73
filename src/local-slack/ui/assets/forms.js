// Modal inputs -> the values of a view_submission (block_id -> action_id -> value(s)), and the
// messages Slack shows under inputs (required fields, response_action: errors).

/**
 * @param {HTMLFormElement} form
 * @returns {{values: Record<string, Record<string, string | string[]>>, missing: Record<string, string>}}
 */
export function collectValues(form) {
  const values = {};
  const missing = {};
  for (const el of form.querySelectorAll('[data-input]')) {
    const { blockId, actionId, type } = el.dataset;
    let value;
    if (el.classList.contains('choices')) {
      const checked = [...el.querySelectorAll('input:checked')].map((i) => i.value);
      value = type === 'checkboxes' ? checked : (checked[0] ?? '');
    } else if (el.tagName === 'SELECT' && el.multiple) value = [...el.selectedOptions].map((o) => o.value);
    else value = el.value;
    const empty = Array.isArray(value) ? value.length === 0 : value === '';
    if (empty && 'required' in el.dataset) missing[blockId] = 'Please complete this required field.';
    if (!empty) (values[blockId] ??= {})[actionId] = value;
  }
  return { values, missing };
}

/** Shows each message under its input (by block_id); clears the others. */
export function showErrors(form, errors) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = errors[slot.dataset.errorFor] ?? '';
  const first = form.querySelector('[data-error-for]:not(:empty)');
  if (first) first.scrollIntoView({ block: 'nearest' });
}
