/* KDPay Assist: the website chat widget (browser side).
 *
 * Embed with one tag:
 *   <script src="https://HOST/webhooks/web/widget.js" data-server="https://HOST" data-lang="auto"></script>
 * Optional: data-customer-token="..." and, later, window.KDPayAssist.setCustomerToken(token|null).
 *
 * Plain ES2018, no dependencies: loads its own widget.css and the vendored socket.io client.
 * Message content is only ever rendered as text (textContent / text nodes), never as HTML.
 */
(function () {
  'use strict';
  if (window.KDPayAssist) return; // the tag was included twice

  // ---- Configuration (read from the <script> tag) ----
  const SCRIPT = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const SERVER = resolveServer(SCRIPT);
  const ASSETS = SERVER + '/webhooks/web';
  const STORAGE_KEY = 'kdpay_assist_session';
  const MAX_CHARS = 1000;
  const HANDOFF_PAYLOAD = '/human_handoff';
  const TYPING_TIMEOUT_MS = 30000; // hide a typing indicator the server forgot to clear
  const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  const LATIN = /[A-Za-z]/;
  const URL_RE = /\b(?:https?:\/\/|www\.)[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+/gi;

  function resolveServer(script) {
    const attr = script && script.getAttribute('data-server');
    if (attr) return attr.replace(/\/+$/, '');
    try { return new URL(script.src, location.href).origin; } catch (e) { return location.origin; }
  }

  // ---- UI strings ----
  const STRINGS = {
    zh: {
      title: 'KDPay 智能客服', dialog: 'KDPay 智能客服对话', launcher: '打开 KDPay 智能客服',
      unread: (n) => `（${n} 条未读消息）`, handoff: '转人工', handoffLabel: '转接人工客服',
      closeLabel: '关闭对话窗口', inputLabel: '输入您的问题', placeholder: '请输入您的问题…',
      send: '发送', sendLabel: '发送消息', messages: '对话消息', quickReplies: '快捷回复',
      typing: 'KDPay 智能客服正在输入…', connecting: '正在连接…', online: '在线',
      reconnecting: '正在重新连接…', offline: '暂时无法连接',
      agent: (name) => (name ? `客服 ${name}` : '人工客服'),
    },
    en: {
      title: 'KDPay Assist', dialog: 'KDPay Assist chat', launcher: 'Open KDPay Assist chat',
      unread: (n) => ` (${n} unread ${n === 1 ? 'message' : 'messages'})`, handoff: 'Talk to an agent',
      handoffLabel: 'Talk to a human agent', closeLabel: 'Close chat', inputLabel: 'Type your question',
      placeholder: 'Type your question…', send: 'Send', sendLabel: 'Send message', messages: 'Conversation',
      quickReplies: 'Suggested replies', typing: 'KDPay Assist is typing…', connecting: 'Connecting…',
      online: 'Online', reconnecting: 'Reconnecting…', offline: 'Unable to connect',
      agent: (name) => (name ? `Agent ${name}` : 'Agent'),
    },
  };

  function pickLang(setting) {
    if (setting === 'zh' || setting === 'en') return setting;
    return /^zh/i.test(navigator.language || '') ? 'zh' : 'en';
  }

  // ---- State ----
  const state = {
    lang: pickLang(SCRIPT && SCRIPT.getAttribute('data-lang')),
    token: (SCRIPT && SCRIPT.getAttribute('data-customer-token')) || null,
    sessionId: readStoredSession(),
    loadedSession: null,      // the session whose messages are on screen
    socket: null,
    conn: 'connecting',       // connecting | online | reconnecting | offline
    pendingRequests: 0,       // session_requests not yet confirmed
    open: false,
    unread: 0,
    historyPending: false,
    liveKeys: new Set(),      // live messages shown while history loads (to skip duplicates)
    liveBotSeen: false,
    typingTimer: null,
  };
  const ui = {};
  const bindings = [];        // [node, attribute|"text", string key] for language switches

  // localStorage may be blocked (privacy modes): then the session lasts for this page only.
  function readStoredSession() {
    try { return localStorage.getItem(STORAGE_KEY) || null; } catch (e) { return null; }
  }
  function storeSession(id) {
    try { if (id) localStorage.setItem(STORAGE_KEY, id); else localStorage.removeItem(STORAGE_KEY); } catch (e) { /* */ }
  }

  // ---- DOM helpers ----
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach((key) => {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'className') node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach((child) => child && node.appendChild(child));
    return node;
  }
  function bind(node, target, key) {
    bindings.push([node, target, key]);
    return node;
  }
  function chatIcon() {
    const NS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(NS, 'svg');
    const path = document.createElementNS(NS, 'path');
    [['viewBox', '0 0 24 24'], ['aria-hidden', 'true'], ['focusable', 'false']].forEach(([k, v]) => svg.setAttribute(k, v));
    path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z');
    svg.appendChild(path);
    return svg;
  }

  // ---- Building the widget ----
  function buildUI() {
    ui.root = el('div', { id: 'kdpay-assist', style: 'visibility:hidden' });
    ui.badge = el('span', { id: 'kdpay-badge', 'aria-hidden': 'true', hidden: '' });
    ui.launcher = el('button', { id: 'kdpay-launcher', type: 'button', 'aria-expanded': 'false',
      'aria-controls': 'kdpay-panel' }, [chatIcon(), ui.badge]);

    ui.status = el('span', { id: 'kdpay-status', role: 'status' });
    ui.handoff = bind(bind(el('button', { id: 'kdpay-handoff', type: 'button', disabled: '' }),
      'text', 'handoff'), 'aria-label', 'handoffLabel');
    ui.close = bind(el('button', { id: 'kdpay-close', type: 'button' },
      [el('span', { 'aria-hidden': 'true', text: '×' })]), 'aria-label', 'closeLabel');
    const header = el('div', { className: 'kdpay-header' }, [
      el('div', { className: 'kdpay-heading' }, [
        bind(el('h2', { className: 'kdpay-title', id: 'kdpay-title' }), 'text', 'title'), ui.status]),
      ui.handoff, ui.close]);

    ui.list = bind(el('div', { id: 'kdpay-messages', role: 'log', 'aria-live': 'polite', tabindex: '0' }),
      'aria-label', 'messages');
    ui.typing = bind(el('div', { id: 'kdpay-typing', role: 'status', hidden: '' },
      [0, 1, 2].map(() => el('span', { className: 'kdpay-dot', 'aria-hidden': 'true' }))), 'aria-label', 'typing');

    ui.input = bind(bind(el('textarea', { id: 'kdpay-input', rows: '1', maxlength: String(MAX_CHARS),
      disabled: '' }), 'placeholder', 'placeholder'), 'aria-label', 'inputLabel');
    ui.send = bind(bind(el('button', { id: 'kdpay-send', type: 'submit', disabled: '' }),
      'text', 'send'), 'aria-label', 'sendLabel');
    ui.form = el('form', { className: 'kdpay-composer' }, [
      bind(el('label', { className: 'kdpay-sr-only', for: 'kdpay-input' }), 'text', 'inputLabel'),
      ui.input, ui.send]);

    ui.panel = bind(el('div', { id: 'kdpay-panel', role: 'dialog', 'aria-modal': 'false', hidden: '' },
      [header, ui.list, ui.typing, ui.form]), 'aria-label', 'dialog');
    ui.root.append(ui.launcher, ui.panel); // launcher first: Tab goes from it into the open panel
    document.body.appendChild(ui.root);
    wireEvents();
    applyStrings();
  }
  function wireEvents() {
    ui.launcher.addEventListener('click', () => (state.open ? closePanel(false) : openPanel()));
    ui.close.addEventListener('click', () => closePanel(true));
    ui.handoff.addEventListener('click', () => sendMessage(HANDOFF_PAYLOAD, STRINGS[state.lang].handoff));
    ui.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && state.open) { e.preventDefault(); closePanel(true); }
    });
    ui.form.addEventListener('submit', (e) => { e.preventDefault(); sendTyped(); });
    ui.input.addEventListener('keydown', (e) => {
      // Enter sends, Shift+Enter is a newline; never interrupt an IME composition (Chinese input)
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        sendTyped();
      }
    });
    ui.input.addEventListener('input', autosize);
  }

  // ---- Language ----
  function applyStrings() {
    const s = STRINGS[state.lang];
    bindings.forEach(([node, target, key]) => {
      if (target === 'text') node.textContent = s[key]; else node.setAttribute(target, s[key]);
    });
    ui.root.setAttribute('lang', state.lang === 'zh' ? 'zh-CN' : 'en');
    renderStatus();
    renderBadge();
  }
  function followLanguageOf(text) {
    const next = HAN.test(text) ? 'zh' : LATIN.test(text) ? 'en' : null;
    if (next && next !== state.lang) {
      state.lang = next;
      applyStrings();
    }
  }

  // ---- Panel, badge, status, typing ----
  function openPanel() {
    state.open = true;
    ui.panel.hidden = false;
    ui.root.classList.add('kdpay-open');
    ui.launcher.setAttribute('aria-expanded', 'true');
    state.unread = 0;
    renderBadge();
    scrollToBottom();
    (ui.input.disabled ? ui.close : ui.input).focus();
  }
  function closePanel(returnFocus) {
    state.open = false;
    ui.panel.hidden = true;
    ui.root.classList.remove('kdpay-open');
    ui.launcher.setAttribute('aria-expanded', 'false');
    if (returnFocus) ui.launcher.focus();
  }
  function renderBadge() {
    const s = STRINGS[state.lang];
    ui.badge.hidden = state.unread === 0;
    ui.badge.textContent = state.unread > 99 ? '99+' : String(state.unread);
    ui.launcher.setAttribute('aria-label', s.launcher + (state.unread ? s.unread(state.unread) : ''));
  }
  function setConnection(conn) {
    state.conn = conn;
    const ready = conn === 'online';
    [ui.input, ui.send, ui.handoff].forEach((node) => { node.disabled = !ready; });
    renderStatus();
  }
  function renderStatus() {
    ui.status.textContent = STRINGS[state.lang][state.conn];
    ui.root.setAttribute('data-state', state.conn);
  }
  function showTyping() {
    ui.typing.hidden = false;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
    scrollToBottom();
  }
  function hideTyping() {
    clearTimeout(state.typingTimer);
    ui.typing.hidden = true;
  }
  function autosize() {
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight, 120) + 'px';
  }
  function scrollToBottom() {
    ui.list.scrollTop = ui.list.scrollHeight;
  }

  // ---- Messages (always rendered as text) ----
  function senderOf(msg) {
    return msg.sender === 'user' || msg.sender === 'agent' ? msg.sender : 'bot';
  }
  function messageKey(msg) {
    return senderOf(msg) + '|' + String(msg.text || '');
  }
  function formatTime(ts) {
    let date = new Date();
    if (typeof ts === 'number' && isFinite(ts)) date = new Date(ts > 1e12 ? ts : ts * 1000);
    const pad = (n) => String(n).padStart(2, '0');
    return { label: pad(date.getHours()) + ':' + pad(date.getMinutes()), iso: date.toISOString() };
  }
  function buildMessage(msg, repliesEnabled) {
    const sender = senderOf(msg);
    const row = el('div', { className: 'kdpay-msg kdpay-' + sender });
    const bubble = el('div', { className: 'kdpay-bubble' });
    if (sender === 'agent') {
      bubble.appendChild(el('div', { className: 'kdpay-agent-name', text: STRINGS[state.lang].agent(msg.agent_name) }));
    }
    const text = el('div', { className: 'kdpay-text' });
    appendLinkified(text, String(msg.text || ''));
    const time = formatTime(msg.timestamp);
    bubble.append(text, el('time', { className: 'kdpay-time', datetime: time.iso, text: time.label }));
    row.appendChild(bubble);
    const replies = sender === 'user' ? [] : validReplies(msg.quick_replies);
    if (replies.length) row.appendChild(buildQuickReplies(replies, repliesEnabled));
    return row;
  }
  function validReplies(list) {
    if (!Array.isArray(list)) return [];
    return list.filter((qr) => qr && typeof qr.title === 'string' && qr.title)
      .map((qr) => ({ title: qr.title, payload: typeof qr.payload === 'string' ? qr.payload : qr.title }));
  }
  function buildQuickReplies(replies, enabled) {
    const group = el('div', { className: 'kdpay-quick-replies', role: 'group',
      'aria-label': STRINGS[state.lang].quickReplies });
    replies.forEach((qr) => {
      const button = el('button', { type: 'button', text: qr.title });
      button.disabled = !enabled;
      button.addEventListener('click', () => {
        if (sendMessage(qr.payload, qr.title)) disableButtons(group);
      });
      group.appendChild(button);
    });
    return group;
  }
  function disableButtons(scope) {
    // scope: one quick-reply group, or the whole list (whose only buttons are quick replies)
    scope.querySelectorAll('button').forEach((button) => { button.disabled = true; });
  }

  // Splits text into text nodes and links; an href is only ever http(s).
  function appendLinkified(parent, text) {
    let last = 0;
    let match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text))) {
      const url = trimUrl(match[0]);
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(/^(https?:\/\/|www\.)[A-Za-z0-9]/i.test(url) ? linkNode(url) : document.createTextNode(url));
      last = match.index + url.length;
      URL_RE.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }
  function trimUrl(url) {
    let u = url;
    while (/[.,;:!?'"*)\]]$/.test(u)) {
      const close = u.slice(-1);
      const open = close === ')' ? '(' : close === ']' ? '[' : null;
      if (open && u.split(open).length >= u.split(close).length) break; // balanced: part of the URL
      u = u.slice(0, -1);
    }
    return u;
  }
  function linkNode(url) {
    const a = el('a', { rel: 'noopener noreferrer', target: '_blank', text: url });
    const href = /^www\./i.test(url) ? 'https://' + url : url;
    if (/^https?:\/\//i.test(href)) a.setAttribute('href', href);
    return a;
  }

  // A message sent or received now (not from history).
  function addLive(msg) {
    const fromBot = senderOf(msg) !== 'user';
    if (fromBot) {
      hideTyping();
      disableButtons(ui.list); // only the newest bot message keeps usable buttons
    }
    if (state.historyPending) {
      state.liveKeys.add(messageKey(msg));
      if (fromBot) state.liveBotSeen = true;
    }
    ui.list.appendChild(buildMessage(msg, true));
    scrollToBottom();
    if (fromBot && !state.open) {
      state.unread += 1;
      renderBadge();
    }
  }
  function clearMessages() {
    ui.list.textContent = '';
    hideTyping();
    state.historyPending = false;
    state.liveKeys = new Set();
    state.unread = 0;
    renderBadge();
  }

  // ---- History (once per confirmed session) ----
  function loadHistory(sessionId) {
    state.historyPending = true;
    state.liveKeys = new Set();
    state.liveBotSeen = false;
    fetch(ASSETS + '/history?session_id=' + encodeURIComponent(sessionId))
      .then((res) => (res.ok ? res.json() : { messages: [] }))
      .catch(() => ({ messages: [] }))
      .then((data) => {
        if (state.loadedSession !== sessionId) return; // the session changed meanwhile
        renderHistory(data && Array.isArray(data.messages) ? data.messages : []);
      });
  }
  function renderHistory(messages) {
    const shown = messages.filter((m) => m && (typeof m.text === 'string' || Array.isArray(m.quick_replies)));
    let lastBot = -1;
    shown.forEach((m, i) => { if (senderOf(m) !== 'user') lastBot = i; });
    const fragment = document.createDocumentFragment();
    shown.forEach((m, i) => {
      const key = messageKey(m);
      if (state.liveKeys.has(key)) { state.liveKeys.delete(key); return; } // already shown live
      fragment.appendChild(buildMessage(m, i === lastBot && !state.liveBotSeen));
    });
    ui.list.insertBefore(fragment, ui.list.firstChild);
    state.historyPending = false;
    scrollToBottom();
  }

  // ---- Sending ----
  function sendTyped() {
    const text = ui.input.value.slice(0, MAX_CHARS).trim();
    if (!text || state.conn !== 'online') return;
    followLanguageOf(text);
    if (sendMessage(text, text)) {
      ui.input.value = '';
      autosize();
    }
  }
  function sendMessage(payload, shownText) {
    if (state.conn !== 'online' || !state.sessionId || !payload) return false;
    state.socket.emit('user_uttered', { session_id: state.sessionId, message: payload, customer_token: state.token });
    addLive({ sender: 'user', text: shownText });
    return true;
  }

  // ---- Connection and session ----
  function requestSession() {
    if (!state.socket || !state.socket.connected) return;
    state.pendingRequests += 1;
    state.socket.emit('session_request', { session_id: state.sessionId, customer_token: state.token, lang: state.lang });
  }
  function onSessionConfirm(data) {
    state.pendingRequests = Math.max(0, state.pendingRequests - 1);
    if (state.pendingRequests > 0 || !data || !data.session_id) return; // a newer request is on its way
    const id = String(data.session_id);
    state.sessionId = id;
    storeSession(id);
    if (state.loadedSession !== id) {
      clearMessages();
      state.loadedSession = id;
      loadHistory(id);
    }
    setConnection('online');
  }
  function onBotUttered(data) {
    if (!data || (typeof data.text !== 'string' && !Array.isArray(data.quick_replies))) return;
    addLive({ sender: data.sender === 'agent' ? 'agent' : 'bot', text: data.text, quick_replies: data.quick_replies,
      agent_name: data.agent_name, timestamp: data.timestamp });
  }
  function connect() {
    const socket = window.io(SERVER, { path: '/socket.io' });
    state.socket = socket;
    socket.on('connect', () => {
      state.pendingRequests = 0;
      requestSession(); // also on every reconnect, with the stored id
    });
    socket.on('disconnect', (reason) => {
      state.pendingRequests = 0;
      hideTyping();
      setConnection('reconnecting');
      if (reason === 'io server disconnect') socket.connect(); // the only case socket.io won't retry itself
    });
    socket.on('connect_error', () => setConnection('reconnecting'));
    socket.on('session_confirm', onSessionConfirm);
    socket.on('session_invalid', () => { setConnection('connecting'); requestSession(); });
    socket.on('bot_typing', (data) => (data && data.typing ? showTyping() : hideTyping()));
    socket.on('bot_uttered', onBotUttered);
  }

  // ---- Loading our stylesheet and the socket.io client ----
  function loadStylesheet() {
    const link = el('link', { rel: 'stylesheet', href: ASSETS + '/widget.css' });
    const reveal = () => { ui.root.style.visibility = ''; }; // hidden until styled, to avoid a flash
    ['load', 'error'].forEach((type) => link.addEventListener(type, reveal));
    document.head.appendChild(link);
  }
  function loadSocketIo(done) {
    if (typeof window.io === 'function') { done(); return; }
    const script = el('script', { src: ASSETS + '/vendor/socket.io-4.8.4.min.js', async: '' });
    script.addEventListener('load', () => (typeof window.io === 'function' ? done() : setConnection('offline')));
    script.addEventListener('error', () => setConnection('offline'));
    document.head.appendChild(script);
  }

  // ---- Public API: window.KDPayAssist ----
  function setCustomerToken(token) {
    const next = token ? String(token) : null;
    if (next === state.token) return;
    // A session belongs to one customer: start a new one.
    state.token = next;
    state.sessionId = null;
    state.loadedSession = null;
    storeSession(null);
    if (!ui.root) return;
    clearMessages();
    if (state.socket && state.socket.connected) {
      setConnection('connecting');
      requestSession();
    }
  }

  const mounted = new Promise((resolve) => {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', resolve, { once: true });
    else resolve();
  }).then(() => {
    buildUI();
    loadStylesheet();
    loadSocketIo(connect);
  });

  window.KDPayAssist = {
    setCustomerToken,
    open: () => { mounted.then(openPanel); },
    close: () => { mounted.then(() => closePanel(false)); },
  };
})();
