(function () {
  const C = Console;
  C.header('experiments');
  const PAGE = 50;
  let order = 'start_time DESC';
  let tokens = [''];         // page tokens of the pages seen, to go back to the first
  let page = null;           // the current page's answer
  const ticked = new Set();

  function registryUnavailable(d) {
    if (d && d.available === false) {
      C.fill('experiments-error', C.el('div', { class: 'error', text: d.message }));
      return true;
    }
    return false;
  }

  async function loadExperiments() {
    const d = await C.api('/api/registry/experiments');
    if (registryUnavailable(d)) return;
    const select = document.getElementById('experiment');
    const wanted = (location.hash.match(/experiment=([^&]+)/) || [])[1];
    select.replaceChildren(...d.experiments.map(e =>
      C.el('option', { value: e.experiment_id, text: e.name, selected: String(e.experiment_id) === wanted })));
    if (!wanted && d.experiments.length > 1) {
      // The newest experiment first: the Default one is rarely what people look at.
      select.value = d.experiments[d.experiments.length - 1].experiment_id;
    }
    select.onchange = () => { tokens = ['']; ticked.clear(); loadRuns(); };
    await loadRuns();
  }

  function sortBy(key) {
    const [current, dir] = order.split(' ');
    order = key + ' ' + (current === key && dir === 'DESC' ? 'ASC' : 'DESC');
    tokens = [''];
    loadRuns();
  }

  async function loadRuns() {
    const experiment = document.getElementById('experiment').value;
    if (!experiment) return;
    const filter = document.getElementById('run-filter').value;
    const token = tokens[tokens.length - 1];
    const q = new URLSearchParams({ limit: PAGE, order_by: order, filter: filter, page_token: token });
    try {
      page = await C.api('/api/registry/experiments/' + encodeURIComponent(experiment) + '/runs?' + q);
      document.getElementById('experiments-error').replaceChildren();
    } catch (e) {
      C.showError('experiments-error', e);
      return;
    }
    document.getElementById('run-order').textContent = 'ordered by ' + order;
    renderRuns();
    document.getElementById('runs-page').textContent = 'page ' + tokens.length + ', ' + page.runs.length + ' runs';
    document.getElementById('runs-next').disabled = !page.next_page_token;
    renderMetricChoice();
    renderCompare();
  }

  function renderRuns() {
    const metricKeys = [...new Set(page.runs.flatMap(r => r.metrics.map(m => m.key)))].sort();
    const paramKeys = [...new Set(page.runs.flatMap(r => Object.keys(r.params)))].sort().slice(0, 6);
    const sortable = (title, key) => C.el('a', { href: '#', class: 'sort', 'data-sort': key, text: title + (order.startsWith(key + ' ') ? (order.endsWith('DESC') ? ' ▼' : ' ▲') : ''),
      onclick: e => { e.preventDefault(); sortBy(key); } });
    const columns = [
      { title: '', value: r => C.el('input', { type: 'checkbox', class: 'tick', 'data-run': r.run_id, checked: ticked.has(r.run_id),
        onchange: e => { e.target.checked ? ticked.add(r.run_id) : ticked.delete(r.run_id); renderCompare(); drawMetric(); } }) },
      { title: 'run', head: sortable('run', 'name'), value: r => r.name },
      { title: 'status', value: r => r.status },
      { title: 'started', head: sortable('started', 'start_time'), value: r => C.time(r.start_time) },
      { title: 'user', value: r => r.user },
      { title: 'commit', value: r => (r.git_commit || '–').substring(0, 10) }
    ].concat(paramKeys.map(k => ({ title: k, value: r => r.params[k] })))
      .concat(metricKeys.map(k => ({ title: k, num: true, head: sortable(k, 'metrics.' + k),
        value: r => { const m = r.metrics.find(x => x.key === k); return m ? C.number(m.value, 4) : null; } })));
    const table = C.table(page.runs, columns, 'No runs match.');
    if (table.tagName === 'TABLE') {
      const ths = table.querySelectorAll('thead th');
      columns.forEach((c, i) => { if (c.head) ths[i].replaceChildren(c.head); });
      table.id = 'runs';
    }
    C.fill('runs-table', table);
  }

  function selectedRuns() {
    const runs = page ? page.runs.filter(r => ticked.has(r.run_id)) : [];
    return runs.length ? runs : (page && page.runs.length ? [page.runs[0]] : []);
  }

  function renderMetricChoice() {
    const select = document.getElementById('metric-key');
    const keys = [...new Set(page.runs.flatMap(r => r.metrics.map(m => m.key)))].sort();
    const previous = select.value;
    select.replaceChildren(...keys.map(k => C.el('option', { value: k, text: k, selected: k === previous })));
    select.onchange = drawMetric;
    drawMetric();
  }

  async function drawMetric() {
    const key = document.getElementById('metric-key').value;
    const runs = selectedRuns();
    if (!key || runs.length === 0) return;
    const series = await Promise.all(runs.map(async r => {
      const h = await C.api('/api/registry/runs/' + r.run_id + '/metrics/' + encodeURIComponent(key));
      return { name: r.name, type: 'line', showSymbol: true, data: h.metrics.map(m => [m.step, m.value]) };
    }));
    C.chart('metric-chart', {
      tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 50, right: 20, top: 30, bottom: 45 },
      xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 26, minInterval: 1 }, yAxis: { type: 'value', scale: true, name: key }, series: series
    });
  }

  function renderCompare() {
    const runs = page ? page.runs.filter(r => ticked.has(r.run_id)) : [];
    if (runs.length < 2) {
      C.fill('compare', C.el('p', { class: 'muted', text: 'Tick two or more runs.' }));
      return;
    }
    const rows = [];
    rows.push({ what: 'status', values: runs.map(r => r.status) });
    rows.push({ what: 'git commit', values: runs.map(r => r.git_commit || '–') });
    [...new Set(runs.flatMap(r => Object.keys(r.params)))].sort().forEach(k =>
      rows.push({ what: 'param ' + k, values: runs.map(r => r.params[k] === undefined ? '–' : r.params[k]) }));
    [...new Set(runs.flatMap(r => r.metrics.map(m => m.key)))].sort().forEach(k =>
      rows.push({ what: 'metric ' + k, values: runs.map(r => { const m = r.metrics.find(x => x.key === k); return m ? C.number(m.value, 4) : '–'; }) }));
    rows.push({ what: 'datasets', values: runs.map(r => r.datasets.map(d => d.table + '@' + d.snapshot_id).join(', ') || '–') });
    const columns = [{ title: '', value: row => row.what }].concat(runs.map((r, i) => ({
      title: r.name, value: row => C.el('span', { class: new Set(row.values).size > 1 ? 'differs' : '', text: row.values[i] }) })));
    const table = C.table(rows, columns);
    table.id = 'compare-table';
    C.fill('compare', table);
  }

  document.getElementById('run-apply').onclick = () => { tokens = ['']; loadRuns(); };
  document.getElementById('runs-next').onclick = () => { if (page && page.next_page_token) { tokens.push(page.next_page_token); loadRuns(); } };
  document.getElementById('runs-first').onclick = () => { tokens = ['']; loadRuns(); };
  loadExperiments().catch(e => C.showError('experiments-error', e));
})();
