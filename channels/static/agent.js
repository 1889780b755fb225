/* KDPay Assist agent console. No dependencies; message content is only ever set as text. */
(function () {
  'use strict';
  const API = 'api';
  const POLL_MS = 2000;
  const TYPING_EVERY_MS = 3000;
  const $ = (id) => document.getElementById(id);
  const state = { me: null, selected: null, detail: null, lastTranscript: '', lastTyping: 0, timer: null };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  async function call(method, path, body) {
    const options = { method, credentials: 'same-origin', headers: {} };
    if (method === 'POST') {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body || {});
    }
    const reply = await fetch(API + path, options);
    let data = {};
    try { data = await reply.json(); } catch (e) { data = {}; }
    if (reply.status === 401 && path !== '/sign-in') showSignIn();
    return { status: reply.status, ok: reply.ok, data };
  }

  function showSignIn() {
    state.me = null;
    state.selected = null;
    if (state.timer) { clearInterval(state.timer); state.timer = null; }
    $('console-view').hidden = true;
    $('sign-out').hidden = true;
    $('me').textContent = '';
    $('sign-in-view').hidden = false;
  }

  function showConsole(me) {
    state.me = me;
    $('sign-in-view').hidden = true;
    $('console-view').hidden = false;
    $('sign-out').hidden = false;
    $('me').textContent = me.display_name + ' (' + me.agent_id + ')';
    refresh();
    if (!state.timer) state.timer = setInterval(refresh, POLL_MS);
  }

  async function refresh() {
    await loadQueue();
    if (state.selected) await loadDetail(state.selected);
  }

  async function loadQueue() {
    const result = await call('GET', '/queue');
    if (!result.ok) return;
    const list = $('queue');
    list.replaceChildren();
    const items = result.data.handoffs || [];
    $('queue-empty').hidden = items.length > 0;
    items.forEach((h) => {
      const item = el('li');
      const button = el('button', h.mine ? 'mine' : '');
      button.type = 'button';
      button.dataset.id = h.handoff_id;
      if (h.handoff_id === state.selected) button.classList.add('selected');
      button.appendChild(el('strong', '', h.handoff_id));
      button.appendChild(el('span', '', ' · ' + h.channel + ' · ' + h.language + ' · ' + (h.mine ? 'yours' : h.status)));
      button.appendChild(el('div', 'summary', h.reason + (h.customer_id ? ' · ' + h.customer_id : '')));
      button.addEventListener('click', () => select(h.handoff_id));
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  async function select(id) {
    state.selected = id;
    state.lastTranscript = '';
    $('action-error').textContent = '';
    $('reply-text').value = '';
    await loadDetail(id);
    await loadQueue();
  }

  async function loadDetail(id) {
    const result = await call('GET', '/handoffs/' + encodeURIComponent(id));
    if (!result.ok) {
      if (result.status === 403 || result.status === 404) {
        state.selected = null;
        $('conversation').hidden = true;
      }
      return;
    }
    if (id !== state.selected) return;
    state.detail = result.data;
    renderDetail(result.data);
  }

  function renderDetail(detail) {
    const h = detail.handoff;
    $('conversation').hidden = false;
    $('conversation-title').textContent = h.handoff_id + ' · ' + h.channel + ' · ' + h.language;
    $('conversation-status').textContent = h.mine ? 'You are handling this conversation.' : 'Status: ' + h.status;
    const open = h.status === 'queued' || (h.status === 'claimed' && h.mine);
    $('claim').hidden = h.status !== 'queued';
    $('owner-actions').hidden = !(h.mine && h.status === 'claimed');
    $('reply-form').hidden = !(h.mine && h.status === 'claimed');
    if (!open) $('reply-form').hidden = true;

    const context = $('context');
    context.replaceChildren();
    const rows = [['Reason', h.reason], ['Customer', h.customer_id || 'not verified'], ['Summary', h.summary || '-']];
    Object.keys(detail.slots || {}).forEach((name) => rows.push([name, detail.slots[name]]));
    rows.forEach(([k, v]) => { context.appendChild(el('dt', '', k)); context.appendChild(el('dd', '', v)); });

    const tickets = $('tickets');
    tickets.replaceChildren();
    if ((detail.tickets || []).length) {
      tickets.appendChild(el('h3', '', 'Open tickets'));
      const list = el('ul');
      detail.tickets.forEach((t) => list.appendChild(el('li', '', t.ticket_number + ' · ' + t.kind + ' · ' +
        t.status + ' · ' + t.transaction_id)));
      tickets.appendChild(list);
    }

    const canned = $('canned');
    if (!canned.childElementCount || canned.dataset.lang !== h.language) {
      canned.replaceChildren();
      canned.dataset.lang = h.language;
      (detail.canned || []).forEach((c) => {
        const button = el('button', 'canned', c.label);
        button.type = 'button';
        button.title = c.text;
        button.addEventListener('click', () => { $('reply-text').value = c.text; $('reply-text').focus(); });
        canned.appendChild(button);
      });
    }

    const serialised = JSON.stringify(detail.transcript || []);
    if (serialised !== state.lastTranscript) {
      state.lastTranscript = serialised;
      const transcript = $('transcript');
      transcript.replaceChildren();
      (detail.transcript || []).forEach((m) => {
        const sender = m.sender === 'user' || m.sender === 'agent' ? m.sender : 'bot';
        const item = el('li', sender);
        const who = sender === 'user' ? 'Customer' : sender === 'agent' ? 'Agent ' + (m.agent_name || '') : 'Bot';
        item.appendChild(el('span', 'who', who));
        item.appendChild(el('span', 'text', m.text || ''));
        transcript.appendChild(item);
      });
      transcript.scrollTop = transcript.scrollHeight;
    }
  }

  async function loadAgents() {
    const result = await call('GET', '/agents');
    if (!result.ok) return;
    const select = $('transfer-to');
    select.replaceChildren();
    (result.data.agents || []).filter((a) => !a.me).forEach((a) => {
      const option = el('option', '', a.display_name + ' (' + a.agent_id + ')');
      option.value = a.agent_id;
      select.appendChild(option);
    });
  }

  function report(result) {
    $('action-error').textContent = result.ok ? '' : (result.data.error || 'Something went wrong.');
  }

  function wire() {
    $('sign-in-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      $('sign-in-error').textContent = '';
      const result = await call('POST', '/sign-in', { login: $('login').value, password: $('password').value });
      if (!result.ok) {
        $('sign-in-error').textContent = result.data.error || 'Sign-in failed.';
        return;
      }
      $('password').value = '';
      showConsole(result.data);
      loadAgents();
    });
    $('sign-out').addEventListener('click', async () => { await call('POST', '/sign-out'); showSignIn(); });
    $('claim').addEventListener('click', async () => {
      const result = await call('POST', '/handoffs/' + encodeURIComponent(state.selected) + '/claim');
      report(result);
      loadAgents();
      refresh();
    });
    $('reply-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = $('reply-text').value.trim();
      if (!text) return;
      const result = await call('POST', '/handoffs/' + encodeURIComponent(state.selected) + '/reply', { text });
      report(result);
      if (result.ok) $('reply-text').value = '';
      refresh();
    });
    $('reply-text').addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        $('reply-form').requestSubmit();
      }
    });
    $('reply-text').addEventListener('input', () => {
      const now = Date.now();
      if (!state.selected || now - state.lastTyping < TYPING_EVERY_MS) return;
      state.lastTyping = now;
      call('POST', '/handoffs/' + encodeURIComponent(state.selected) + '/typing', { typing: true });
    });
    $('transfer').addEventListener('click', async () => {
      const to = $('transfer-to').value;
      if (!to) return;
      const result = await call('POST', '/handoffs/' + encodeURIComponent(state.selected) + '/transfer', { agent_id: to });
      report(result);
      refresh();
    });
    $('resolve').addEventListener('click', async () => {
      const result = await call('POST', '/handoffs/' + encodeURIComponent(state.selected) + '/resolve');
      report(result);
      refresh();
    });
  }

  async function start() {
    wire();
    const result = await call('GET', '/me');
    if (result.ok) { showConsole(result.data); loadAgents(); } else showSignIn();
  }

  start();
})();
