// Shared by every page: the header, JSON calls (with the CSRF token on actions), tables and charts.
const Console = (function () {
  const PAGES = [['pipeline', 'Pipeline'], ['live', 'Live analytics'], ['failed', 'Failed events'],
    ['lake', 'Lake and quality'], ['batch', 'Batch analytics'], ['runs', 'Runs'],
    ['alerts', 'Alerts'], ['experiments', 'Experiments'], ['models', 'Models'],
    ['rollouts', 'Rollouts'], ['ab', 'A/B tests']];
  let session = null;

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ credentials: 'same-origin' }, options || {}));
    if (response.status === 401) {
      location.href = '/login';
      throw new Error('Not logged in');
    }
    const body = await response.json();
    if (!response.ok) {
      throw new Error(body.error || ('HTTP ' + response.status));
    }
    return body;
  }

  async function currentSession() {
    if (!session) {
      session = await api('/api/session');
    }
    return session;
  }

  async function post(path, body) {
    const s = await currentSession();
    return api(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
      body: JSON.stringify(body || {})
    });
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.substring(2), v);
      else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
    });
    (children || []).forEach(c => node.append(c instanceof Node ? c : document.createTextNode(String(c))));
    return node;
  }

  async function header(active) {
    const nav = el('nav', {}, PAGES.map(([id, title]) =>
      el('a', { href: '/' + id, class: id === active ? 'active' : '', id: 'nav-' + id, text: title })));
    const who = el('span', { class: 'who' });
    const logout = el('button', { id: 'logout', text: 'Log out', onclick: async () => {
      await post('/logout');
      location.href = '/login';
    } });
    document.body.prepend(el('header', {}, [el('span', { class: 'brand', text: 'No Excuses' }), nav, who, logout]));
    const s = await currentSession();
    who.textContent = s.user;
    // Firing alerts show in the navigation of every page: the console's notification of them.
    api('/api/alerts').then(d => {
      const firing = (d.alerts || []).filter(a => a.state === 'firing').length;
      const link = document.getElementById('nav-alerts');
      if (firing > 0 && link) {
        link.textContent = 'Alerts (' + firing + ' firing)';
        link.classList.add('bad');
      }
    }).catch(() => {});
  }

  function number(n, digits) {
    if (n === null || n === undefined || Number.isNaN(n)) return '–';
    return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 0 : digits });
  }

  function bytes(n) {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return number(n, i === 0 ? 0 : 1) + ' ' + units[i];
  }

  // columns: [{ title, value: row => text or Node, num: bool }]
  function table(rows, columns, emptyText) {
    if (!rows || rows.length === 0) {
      return el('p', { class: 'muted', text: emptyText || 'Nothing yet.' });
    }
    const head = el('tr', {}, columns.map(c => el('th', { class: c.num ? 'num' : '', text: c.title })));
    const body = rows.map(r => el('tr', {}, columns.map(c => {
      const v = c.value(r);
      return el('td', { class: c.num ? 'num' : '' }, [v instanceof Node ? v : (v === null || v === undefined ? '–' : String(v))]);
    })));
    return el('table', {}, [el('thead', {}, [head]), el('tbody', {}, body)]);
  }

  function fill(id, node) {
    const target = document.getElementById(id);
    target.replaceChildren(node);
    return target;
  }

  const charts = {};
  function chart(id, option) {
    const node = document.getElementById(id);
    let c = charts[id];
    if (!c) {
      c = echarts.init(node, null, { renderer: 'canvas' });
      charts[id] = c;
      window.addEventListener('resize', () => c.resize());
    }
    c.setOption(Object.assign({ animation: false, grid: { left: 50, right: 20, top: 30, bottom: 30 } }, option), true);
    node.dataset.rendered = 'true';
    return c;
  }

  function showError(id, error) {
    fill(id, el('div', { class: 'error', text: String(error.message || error) }));
  }

  // Runs fn now and every ms while the page is visible.
  function every(ms, fn) {
    const run = () => { if (!document.hidden) fn().catch(e => console.warn(e)); };
    run();
    setInterval(run, ms);
  }

  // The time of day for today; the date too otherwise (an experiment's planned end is weeks away, a
  // rollout may have started yesterday).
  function time(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    if (d.toDateString() === new Date().toDateString()) return d.toLocaleTimeString('en-GB');
    return d.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit',
      minute: '2-digit', second: '2-digit' });
  }

  return { api, post, el, header, number, bytes, table, fill, chart, showError, every, time, currentSession };
})();
