// The local Slack page, in the browser: plain DOM, no framework. Everything it shows comes as
// escaped HTML from /ui/state (rendered by ../screen.ts); everything it does is a POST to /ui/act/*,
// which the local Slack server turns into Slack's signed wire to the bot.
/* global document, window, EventSource, localStorage */
import { completions } from './compose.js';
import { collectValues, showErrors } from './forms.js';
import { fromHtml, patchList, renderHeader, renderModal, renderSidebar } from './view.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(window.location.search);
const ui = {
  user: params.get('user') || localStorage.getItem('switchyard.user') || 'U0ALICE',
  channel: params.get('channel') || localStorage.getItem('switchyard.channel') || 'C0GENERAL',
  thread: undefined,
  home: false,
  modal: undefined,
  homeHash: undefined,
  app: { commands: [], shortcuts: [] },
  people: [],
};

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 6000);
}

async function act(what, body) {
  const res = await fetch(`/ui/act/${what}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: ui.user, ...body }),
  });
  const out = await res.json();
  if (out.error) toast(out.error);
  else if (out.status && out.status !== 200) toast(`The app answered HTTP ${out.status}`);
  return out;
}

let asked = 0;
let drawn = 0;
async function load() {
  const q = new URLSearchParams({ user: ui.user });
  if (ui.home) q.set('home', '1');
  else q.set('channel', ui.channel);
  if (ui.thread && !ui.home) q.set('thread', ui.thread);
  const mine = ++asked;
  const s = await (await fetch(`/ui/state?${q}`)).json();
  if (mine < drawn) return; // a later answer is already drawn: never draw an older screen over it
  drawn = mine;
  if (s.error) return toast(s.error);
  ui.user = s.me.id; // the server may show someone else than asked (a person gone from workspace.yml)
  if (!ui.home && !s.channel && s.channels[0]) {
    ui.channel = s.channels[0].id;
    return load();
  }
  ui.people = s.people;
  renderSidebar(s, ui, (id) => {
    ui.channel = id;
    ui.home = false;
    ui.thread = undefined;
    localStorage.setItem('switchyard.channel', id);
    void load();
  });
  renderHeader(s, ui);
  $('messages').hidden = ui.home;
  $('composer').hidden = ui.home;
  $('home').hidden = !ui.home;
  if (ui.home) {
    const home = $('home');
    if (!s.home) {
      home.replaceChildren(fromHtml('<p class="muted">The app has not published a Home tab for you yet.</p>'));
      ui.homeHash = undefined;
    } else if (ui.homeHash !== s.home.hash) {
      home.replaceChildren(fromHtml(`<div class="view" data-view-id="${s.home.id}">${s.home.html}</div>`));
      ui.homeHash = s.home.hash;
    }
  } else patchList($('messages'), s.messages);
  $('thread').hidden = !s.thread;
  if (s.thread) patchList($('thread-messages'), s.thread.messages);
  renderModal(s.modal, ui);
  document.body.dataset.user = s.me.id;
}

let queued;
function refresh() {
  queued ??= setTimeout(() => {
    queued = undefined;
    void load();
  }, 30);
}

function dialog(template) {
  return new Promise((resolve) => {
    const layer = $('dialog-layer');
    layer.replaceChildren(template.content.cloneNode(true));
    layer.hidden = false;
    layer.onclick = (e) => {
      const b = e.target.closest('[data-dialog]');
      if (!b) return;
      layer.hidden = true;
      layer.replaceChildren();
      resolve(b.dataset.dialog === 'confirm');
    };
  });
}

async function press(button) {
  const wrap = button.closest('.button-wrap');
  const confirm = wrap && wrap.querySelector('template.confirm');
  if (confirm && !(await dialog(confirm))) return;
  if (button.dataset.url) window.open(button.dataset.url, '_blank', 'noopener');
  const where = button.closest('[data-view-id]');
  const msg = button.closest('.msg');
  const body = { actionId: button.dataset.actionId };
  if (button.dataset.value !== undefined) body.value = button.dataset.value;
  if (where) body.viewId = where.dataset.viewId;
  else Object.assign(body, { channel: msg.dataset.channel, ts: msg.dataset.ts });
  button.disabled = true;
  try {
    await act('press', body);
  } finally {
    button.disabled = false;
  }
}

async function submitModal(modal) {
  const form = modal.querySelector('form');
  const { values, missing } = collectValues(form);
  if (Object.keys(missing).length) return showErrors(form, missing);
  showErrors(form, {});
  const out = await act('submit', { viewId: modal.dataset.viewId, values });
  if (out.errors) showErrors(form, out.errors);
}

function menu(anchor, items) {
  document.querySelectorAll('.popup').forEach((p) => p.remove());
  const box = document.createElement('div');
  box.className = 'popup';
  for (const [label, run] of items) {
    const b = document.createElement('button');
    b.textContent = label;
    b.addEventListener('click', () => {
      box.remove();
      void run();
    });
    box.append(b);
  }
  anchor.after(box);
}

const REACTIONS = [
  ['👍', '+1'],
  ['✅', 'white_check_mark'],
  ['👀', 'eyes'],
  ['🎉', 'tada'],
  ['🚀', 'rocket'],
];

document.addEventListener('click', (e) => {
  const t = e.target;
  if (!(t instanceof window.Element)) return;
  if (!t.closest('.popup') && !t.closest('[data-tool]')) document.querySelectorAll('.popup').forEach((p) => p.remove());
  const msg = t.closest('.msg');
  const at = msg ? { channel: msg.dataset.channel, ts: msg.dataset.ts } : undefined;
  const pressed = t.closest('[data-press]');
  if (pressed) return void press(pressed);
  const modalButton = t.closest('[data-modal]');
  if (modalButton) {
    const modal = modalButton.closest('.modal');
    if (modalButton.dataset.modal === 'submit') return void submitModal(modal);
    return void act('close', { viewId: modal.dataset.viewId });
  }
  const link = t.closest('.channel-link');
  if (link) {
    e.preventDefault();
    ui.channel = link.dataset.channel;
    ui.home = false;
    ui.thread = undefined;
    return void load();
  }
  const replies = t.closest('.replies');
  if (replies) {
    e.preventDefault();
    ui.thread = replies.dataset.thread;
    return void load();
  }
  const reaction = t.closest('[data-react]');
  if (reaction && at) return void act('react', { ...at, name: reaction.dataset.react });
  const tool = t.closest('[data-tool]');
  if (!tool || !at) return;
  if (tool.dataset.tool === 'thread') {
    ui.thread = at.ts;
    return void load();
  }
  if (tool.dataset.tool === 'react')
    return menu(
      tool,
      REACTIONS.map(([emoji, name]) => [emoji, () => act('react', { ...at, name })]),
    );
  if (tool.dataset.tool === 'shortcuts')
    return menu(
      tool,
      ui.app.shortcuts.map((s) => [s.name, () => act('shortcut', { ...at, callbackId: s.callbackId })]),
    );
});

async function send(input, threadTs) {
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  $('autocomplete').hidden = true;
  if (text.startsWith('/') && !threadTs) await act('command', { channel: ui.channel, text });
  else await act('message', { channel: ui.channel, text, ...(threadTs ? { threadTs } : {}) });
}

function wireComposer(form, input, threadTs) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void send(input, threadTs());
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void send(input, threadTs());
    }
  });
}

function showCompletions() {
  const input = $('message-input');
  const box = $('autocomplete');
  const list = completions(ui.app.commands, input.value);
  if (!list.length) return void (box.hidden = true);
  box.replaceChildren(
    ...list.map((c) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'completion';
      const head = document.createElement('b');
      head.textContent = c.label;
      const hint = document.createElement('span');
      hint.className = 'muted';
      hint.textContent = ` ${c.hint}`;
      b.append(head, hint);
      b.addEventListener('click', () => {
        input.value = c.insert;
        input.focus();
        showCompletions();
      });
      return b;
    }),
  );
  box.hidden = false;
}

wireComposer($('composer'), $('message-input'), () => undefined);
wireComposer($('thread-composer'), $('thread-input'), () => ui.thread);
$('message-input').addEventListener('input', showCompletions);
$('message-input').addEventListener('keydown', (e) => {
  const first = $('autocomplete').querySelector('.completion');
  if (e.key === 'Tab' && first && !$('autocomplete').hidden) {
    e.preventDefault();
    first.click();
  }
});
$('thread-close').addEventListener('click', () => {
  ui.thread = undefined;
  void load();
});
$('home-link').addEventListener('click', (e) => {
  e.preventDefault();
  ui.home = true;
  ui.thread = undefined;
  ui.homeHash = undefined;
  void act('home', {}).then(load);
});
$('user-switch').addEventListener('change', (e) => {
  ui.user = e.target.value;
  localStorage.setItem('switchyard.user', ui.user);
  ui.thread = undefined;
  ui.modal = undefined;
  ui.homeHash = undefined;
  if (ui.home) void act('home', {}).then(load);
  else void load();
});

ui.app = await (await fetch('/ui/app')).json();
new EventSource('/ui/events').onmessage = refresh;
await load();
document.body.dataset.ready = 'true';
