(function () {
  const C = Console;
  C.header('batch');
  const STEPS = ['page_view', 'product_view', 'add_to_cart', 'checkout', 'purchase'];

  function panelError(id, panel) {
    if (panel && panel.error) {
      C.fill(id, C.el('div', { class: 'notice', text: panel.error }));
      return true;
    }
    return false;
  }

  function pick(row, names) {
    for (const n of names) if (row[n] !== undefined) return row[n];
    return null;
  }

  async function load() {
    let d;
    try {
      d = await C.api('/api/batch');
    } catch (e) {
      C.showError('batch-status', e);
      return;
    }
    if (!d.available) {
      C.fill('batch-status', C.el('div', { class: 'notice', id: 'batch-unavailable' }, [
        C.el('p', {}, [C.el('b', { text: 'Batch analytics need Trino. ' }), d.reason]),
        C.el('p', { text: 'How to fix: ' + d.fix })]));
      return;
    }
    document.getElementById('batch-panels').hidden = false;
    const p = d.panels;
    if (!panelError('kpis', p.daily_kpis)) {
      const rows = p.daily_kpis.rows.slice().reverse();
      const dateCol = p.daily_kpis.columns[0];
      const series = (names) => names.map(n => ({ name: n, type: 'line', showSymbol: false,
        data: rows.map(r => [r[dateCol], r[n]]) })).filter(s => rows.length && rows[0][s.name] !== undefined);
      const opts = (names, fmt) => ({ tooltip: { trigger: 'axis' }, legend: { top: 0 },
        xAxis: { type: 'category', data: rows.map(r => r[dateCol]) }, yAxis: { type: 'value', axisLabel: fmt ? { formatter: fmt } : {} },
        series: series(names).map(s => Object.assign(s, { data: s.data.map(x => x[1]) })) });
      C.chart('chart-kpi-users', opts(['active_users', 'sessions', 'orders']));
      C.chart('chart-kpi-revenue', opts(['revenue', 'average_order_value']));
      C.chart('chart-kpi-conversion', opts(['conversion_rate']));
      C.fill('kpis', C.table(p.daily_kpis.rows, p.daily_kpis.columns.map(c => ({ title: c,
        value: r => typeof r[c] === 'number' ? C.number(r[c], 3) : r[c], num: typeof p.daily_kpis.rows[0][c] === 'number' }))));
    } else {
      ['chart-kpi-users', 'chart-kpi-revenue', 'chart-kpi-conversion'].forEach(id => panelError(id, p.daily_kpis));
    }
    if (!panelError('funnel-error', p.funnel)) {
      const by = Object.fromEntries(p.funnel.rows.map(r => [r.step, r.sessions]));
      C.chart('chart-batch-funnel', { tooltip: { trigger: 'item' },
        series: [{ type: 'funnel', sort: 'none', left: 10, right: 10, top: 10, bottom: 10, minSize: '8%',
          label: { formatter: '{b}: {c}' }, data: STEPS.map(s => ({ name: s, value: by[s] || 0 })) }] });
    }
    if (!panelError('revenue-product', p.revenue_by_product)) {
      C.fill('revenue-product', C.table(p.revenue_by_product.rows, [
        { title: 'Product', value: r => pick(r, ['name', 'product_id']) }, { title: 'Category', value: r => r.category },
        { title: 'Quantity', value: r => C.number(r.quantity), num: true },
        { title: 'Revenue', value: r => C.number(r.revenue, 2), num: true }], 'No orders yet.'));
    }
    if (!panelError('category-error', p.revenue_by_category)) {
      const rows = p.revenue_by_category.rows;
      C.chart('chart-revenue-category', { tooltip: { trigger: 'item' },
        series: [{ type: 'pie', radius: ['35%', '70%'], data: rows.map(r => ({ name: r.category, value: r.revenue })) }] });
    }
    if (!panelError('retention', p.retention)) {
      const rows = p.retention.rows;
      const cohorts = [...new Set(rows.map(r => r.signup_week))];
      const weeks = [...new Set(rows.map(r => r.week))].sort((a, b) => a - b);
      const cell = (c, w) => (rows.find(r => r.signup_week === c && r.week === w) || {}).users;
      C.fill('retention', C.table(cohorts, [{ title: 'Signup week', value: c => c.substring(0, 10) }]
        .concat(weeks.map(w => ({ title: 'week ' + w, num: true, value: c => {
          const base = cell(c, 0);
          const n = cell(c, w);
          return n === undefined ? '' : C.number(n) + (base ? ' (' + C.number(100 * n / base, 0) + '%)' : '');
        } }))), 'No signups yet.'));
    }
  }

  load();
})();
