// Placing server-rendered HTML on the page: keyed lists (an edited message changes in place), the
// sidebar, the channel header and the modal. Every HTML string comes from ../screen.ts, escaped there.
/* global document */

const $ = (id) => document.getElementById(id);

export function fromHtml(html) {
  const t = document.createElement('template');
  t.innerHTML = html; // server-rendered: every text in it was HTML-escaped first
  return t.content.firstElementChild;
}

/** Keeps the nodes of items whose HTML did not change, so an edited message changes in place. */
export function patchList(container, items) {
  const nearBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
  const old = new Map([...container.children].map((n) => [n.dataset.key, n]));
  let prev = null;
  for (const item of items) {
    let node = old.get(item.key);
    if (!node || node.dataset.html !== item.html) {
      const fresh = fromHtml(item.html);
      fresh.dataset.key = item.key;
      fresh.dataset.html = item.html;
      if (node) node.replaceWith(fresh);
      node = fresh;
    }
    old.delete(item.key);
    const want = prev ? prev.nextSibling : container.firstChild;
    if (want !== node) container.insertBefore(node, want);
    prev = node;
  }
  for (const n of old.values()) n.remove();
  if (nearBottom) container.scrollTop = container.scrollHeight;
}

function sideItem(item, active, onClick) {
  const li = document.createElement('li');
  const a = document.createElement('a');
  a.href = '#';
  a.className = `side-item${active ? ' active' : ''}${item.unread ? ' unread' : ''}`;
  a.dataset.id = item.id;
  a.textContent = item.label.startsWith('#') ? `${item.private ? '🔒 ' : '# '}${item.label.slice(1)}` : item.label;
  if (item.unread) {
    const badge = document.createElement('span');
    badge.className = 'unread-badge';
    badge.textContent = String(item.unread);
    a.append(badge);
  }
  a.addEventListener('click', (e) => {
    e.preventDefault();
    onClick();
  });
  li.append(a);
  return li;
}

/** Channels, DMs (with unread counts) and the user switcher; `pick(id)` opens a channel. */
export function renderSidebar(s, ui, pick) {
  $('channel-list').replaceChildren(...s.channels.map((c) => sideItem(c, !ui.home && c.id === ui.channel, () => pick(c.id))));
  $('dm-list').replaceChildren(...s.dms.map((c) => sideItem(c, !ui.home && c.id === ui.channel, () => pick(c.id))));
  $('home-link').classList.toggle('active', ui.home);
  const sw = $('user-switch');
  if (sw.options.length !== s.people.length) {
    sw.replaceChildren(
      ...s.people.map((p) => {
        const o = document.createElement('option');
        o.value = p.id;
        o.textContent = `${p.realName} (@${p.name})${p.title ? ` · ${p.title}` : ''}`;
        return o;
      }),
    );
  }
  sw.value = s.me.id;
}

export function renderHeader(s, ui) {
  const h = $('channel-header');
  if (ui.home || !s.channel) {
    h.innerHTML = '';
    const b = document.createElement('b');
    b.textContent = ui.home ? 'Switchyard · Home' : 'Pick a channel';
    h.append(b);
    return;
  }
  const c = s.channel;
  const title = document.createElement('b');
  title.className = 'channel-title';
  title.textContent = c.label;
  const meta = fromHtml(
    `<span class="channel-meta"><span class="members">👤 ${c.members}</span>` +
      `<span class="pins" title="Pinned messages">📌 ${c.pins.length}</span></span>`,
  );
  const topic = fromHtml(`<div class="topic">${c.topic || c.purpose}</div>`);
  const parts = [title, meta, topic];
  if (c.pins.length) parts.push(fromHtml(`<div class="pin-list">${c.pins.map((p) => `<div>📌 ${p.html}</div>`).join('')}</div>`));
  if (c.bookmarks.length)
    parts.push(fromHtml(`<div class="bookmarks">${c.bookmarks.map((b) => `<span>🔖 ${b.html}</span>`).join('')}</div>`));
  h.replaceChildren(...parts);
}

/** The open modal; left alone while its id and hash are the same, so what the person typed stays. */
export function renderModal(m, ui) {
  const layer = $('modal-layer');
  if (!m) {
    ui.modal = undefined;
    layer.hidden = true;
    layer.replaceChildren();
    return;
  }
  if (ui.modal && ui.modal.id === m.id && ui.modal.hash === m.hash) return; // keep what the person typed
  ui.modal = m;
  layer.replaceChildren(
    fromHtml(
      `<div class="modal" role="dialog" aria-modal="true" data-view-id="${m.id}">` +
        `<header><h2>${m.title}</h2><button class="tool" data-modal="close" aria-label="Close">✕</button></header>` +
        `<form class="modal-body">${m.html}</form>` +
        `<footer><button class="btn" data-modal="close">${m.close}</button>` +
        (m.submit ? `<button class="btn primary" data-modal="submit">${m.submit}</button>` : '') +
        `</footer></div>`,
    ),
  );
  layer.hidden = false;
}
