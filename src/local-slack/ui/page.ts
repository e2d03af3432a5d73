// The page shell: layout only; assets/app.js fills it from /ui/state and keeps it live over /ui/events.
export function pageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
  content="default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; script-src 'self'">
<title>Switchyard · local Slack</title>
<link rel="stylesheet" href="/app.css">
<link rel="stylesheet" href="/blocks.css">
</head>
<body>
<div id="app">
  <aside id="sidebar">
    <div class="workspace">Switchyard Local</div>
    <label class="switcher">You are
      <select id="user-switch" aria-label="Switch user"></select>
    </label>
    <nav>
      <a href="#" id="home-link" class="side-item">🏠 Switchyard <span class="muted">Home</span></a>
      <h4>Channels</h4><ul id="channel-list"></ul>
      <h4>Direct messages</h4><ul id="dm-list"></ul>
    </nav>
  </aside>
  <main id="main">
    <header id="channel-header"></header>
    <section id="messages" aria-live="polite"></section>
    <section id="home" hidden></section>
    <form id="composer" autocomplete="off">
      <div id="autocomplete" hidden></div>
      <textarea id="message-input" rows="1" placeholder="Message, or / for commands"></textarea>
      <button type="submit" class="btn primary">Send</button>
    </form>
  </main>
  <aside id="thread" hidden>
    <header><b>Thread</b><button class="tool" id="thread-close" aria-label="Close thread">✕</button></header>
    <section id="thread-messages"></section>
    <form id="thread-composer" autocomplete="off">
      <textarea id="thread-input" rows="1" placeholder="Reply…"></textarea>
      <button type="submit" class="btn primary">Reply</button>
    </form>
  </aside>
</div>
<div id="modal-layer" hidden></div>
<div id="dialog-layer" hidden></div>
<div id="toast" role="status" hidden></div>
<script src="/app.js" type="module"></script>
</body>
</html>
`;
}
