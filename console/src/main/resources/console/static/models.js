(function () {
  const C = Console;
  C.header('models');
  let current = (location.hash.match(/model=([^&]+)/) || [])[1] || null;

  async function loadPending() {
    const d = await C.api('/api/registry/promotions?status=pending');
    if (d.available === false) {
      C.fill('models-error', C.el('div', { class: 'error', text: d.message }));
      return false;
    }
    C.fill('pending-requests', C.table(d.requests, [
      { title: 'request', value: r => '#' + r.request_id },
      { title: 'model', value: r => r.model },
      { title: 'alias', value: r => r.alias },
      { title: 'version', value: r => r.version },
      { title: 'requested by', value: r => r.requested_by },
      { title: 'at', value: r => C.time(r.requested_at) },
      { title: 'reason', value: r => r.reason },
      { title: 'approve with', value: r => C.el('code', { text: './platform models approve ' + r.request_id + ' --token <approver token>' }) }
    ], 'No promotion is waiting.'));
    return true;
  }

  async function loadModels() {
    const d = await C.api('/api/registry/models');
    C.fill('models-list', C.table(d.models, [
      { title: 'model', value: m => C.el('a', { href: '#model=' + encodeURIComponent(m.name), class: 'model-link', 'data-model': m.name,
        text: m.name, onclick: e => {
          // One load per click: following the link would also fire hashchange, and two loads racing
          // each other draw the model twice.
          e.preventDefault();
          current = m.name;
          history.replaceState(null, '', '#model=' + encodeURIComponent(m.name));
          loadModel().catch(err => C.showError('models-error', err));
        } }) },
      { title: 'latest version', num: true, value: m => m.latest_version },
      { title: 'aliases', value: m => Object.entries(m.aliases).map(([a, v]) => a + ' → v' + v).join(', ') || '–' },
      { title: 'updated', value: m => C.time(m.last_updated_time) }
    ], 'No model registered yet.'));
  }

  async function loadModel() {
    if (!current) return;
    const d = await C.api('/api/registry/models/' + encodeURIComponent(current));
    const h = await C.api('/api/registry/models/' + encodeURIComponent(current) + '/history');
    document.getElementById('model-detail').hidden = false;
    document.getElementById('model-title').textContent = d.model.name;
    const protectedAliases = new Set(d.protected_aliases);
    C.fill('model-aliases', C.el('p', {}, Object.entries(d.model.aliases).length === 0 ? ['No alias points at a version yet.']
      : Object.entries(d.model.aliases).map(([a, v]) => C.el('span', { class: 'alias' + (protectedAliases.has(a) ? ' protected' : ''),
        text: a + ' → v' + v + (protectedAliases.has(a) ? ' (protected)' : '') + '  ' }))));
    const versions = C.table(d.versions, [
      { title: 'version', num: true, value: v => 'v' + v.version },
      { title: 'aliases', value: v => v.aliases.join(', ') || '–' },
      { title: 'gates', value: v => v.gates.length === 0 ? 'none recorded'
        : C.el('span', { class: v.gates.every(g => g.passed) ? 'ok' : 'bad',
          text: v.gates.map(g => (g.passed ? '✓ ' : '✗ ') + g.gate).join(', ') }) },
      { title: 'metrics', value: v => Object.entries(v.metrics).map(([k, x]) => k + ' ' + C.number(x, 4)).join(', ') || '–' },
      { title: 'run', value: v => v.run_id ? C.el('a', { href: '/experiments', text: v.run_id.substring(0, 8) }) : '–' },
      { title: 'signature', value: v => v.signature.map(f => f.name + ':' + f.type).join(', ') || '–' },
      { title: 'source', value: v => v.source },
      { title: 'registered', value: v => C.time(v.creation_time) + ' by ' + v.created_by }
    ], 'No versions.');
    versions.id = 'versions-table';
    C.fill('model-versions', versions);
    const history = C.table(h.events, [
      { title: 'at', value: e => C.time(e.at) },
      { title: 'alias', value: e => e.alias },
      { title: 'move', value: e => (e.previous_version ? 'v' + e.previous_version : '–') + ' → ' + (e.version ? 'v' + e.version : 'removed') },
      { title: 'by', value: e => e.moved_by },
      { title: 'approved by', value: e => e.approved_by || '–' },
      { title: 'why', value: e => e.reason || '–' }
    ], 'No alias has moved yet.');
    history.id = 'history-table';
    C.fill('alias-history', history);
    drawTimeline(h.events);
  }

  // One row per alias, a segment per version it pointed at, from the move to the next one (or now).
  function drawTimeline(events) {
    const byAlias = {};
    [...events].reverse().forEach(e => (byAlias[e.alias] = byAlias[e.alias] || []).push(e));
    const aliases = Object.keys(byAlias).sort();
    if (aliases.length === 0) return;
    const now = Date.now();
    const data = [];
    aliases.forEach((a, row) => byAlias[a].forEach((e, i) => {
      const end = i + 1 < byAlias[a].length ? byAlias[a][i + 1].at : now;
      if (e.version) data.push({ value: [row, e.at, end, e.version], name: a + ' v' + e.version });
    }));
    C.chart('alias-timeline', {
      tooltip: { formatter: p => p.name + ': ' + C.time(p.value[1]) + ' – ' + C.time(p.value[2]) },
      grid: { left: 90, right: 20, top: 30, bottom: 30 },
      xAxis: { type: 'time' }, yAxis: { type: 'category', data: aliases },
      series: [{ type: 'custom', data: data, renderItem: (params, api) => {
        const start = api.coord([api.value(1), api.value(0)]);
        const end = api.coord([api.value(2), api.value(0)]);
        const height = api.size([0, 1])[1] * 0.5;
        return { type: 'group', children: [
          { type: 'rect', shape: { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 2), height: height },
            style: api.style() },
          { type: 'text', style: { text: 'v' + api.value(3), x: start[0] + 4, y: start[1] - 6, fill: '#fff' } }] };
      }, encode: { x: [1, 2], y: 0 } }]
    });
  }

  document.getElementById('as-of-apply').onclick = async () => {
    const at = document.getElementById('as-of').value.trim();
    if (!current || !at) return;
    try {
      const h = await C.api('/api/registry/models/' + encodeURIComponent(current) + '/history?as_of=' + encodeURIComponent(at));
      const aliases = Object.entries(h.aliases_as_of);
      document.getElementById('aliases-as-of').textContent = aliases.length === 0 ? 'no alias at that time'
        : aliases.map(([a, v]) => a + ' → v' + v).join(', ');
    } catch (e) {
      C.showError('models-error', e);
    }
  };

  async function refresh() {
    if (!(await loadPending())) return;
    await loadModels();
    await loadModel();
  }
  window.addEventListener('hashchange', () => {
    current = (location.hash.match(/model=([^&]+)/) || [])[1] || current;
    if (current) current = decodeURIComponent(current);
    loadModel().catch(e => C.showError('models-error', e));
  });
  if (current) current = decodeURIComponent(current);
  refresh().catch(e => C.showError('models-error', e));
})();
