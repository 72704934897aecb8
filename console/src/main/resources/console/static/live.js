(function () {
  const C = Console;
  C.header('live');
  const TYPES = ['page_view', 'product_view', 'search', 'add_to_cart', 'remove_from_cart', 'checkout', 'purchase',
    'login', 'logout', 'signup', 'button_click'];
  const select = document.getElementById('filter-type');
  TYPES.forEach(t => select.append(C.el('option', { value: t, text: t })));

  async function summary() {
    let d;
    try {
      d = await C.api('/api/live/summary?minutes=60');
    } catch (e) {
      C.showError('live-error', e);
      return;
    }
    if (!d.available) {
      C.fill('live-error', C.el('div', { class: 'notice', text: d.message }));
      return;
    }
    document.getElementById('live-error').replaceChildren();
    const types = [...new Set(d.per_minute.flatMap(m => Object.keys(m.types)))].sort();
    C.chart('chart-per-minute', {
      tooltip: { trigger: 'axis' }, legend: { top: 0, type: 'scroll' },
      xAxis: { type: 'time' }, yAxis: { type: 'value' },
      series: types.map(t => ({ name: t, type: 'bar', stack: 'events', barMaxWidth: 16,
        data: d.per_minute.map(m => [m.at, m.types[t] || 0]) }))
    });
    document.getElementById('live-total').textContent = C.number(d.total) + ' events in the last ' + d.minutes + ' minutes.';
    C.chart('chart-funnel', {
      tooltip: { trigger: 'item', formatter: '{b}: {c} users' },
      series: [{ type: 'funnel', sort: 'none', left: 10, right: 10, top: 10, bottom: 10, minSize: '8%',
        label: { formatter: '{b}: {c}' },
        data: d.funnel.map(s => ({ name: s.step, value: s.users })) }]
    });
    const countries = d.countries.slice(0, 12).reverse();
    C.chart('chart-countries', {
      tooltip: { trigger: 'axis' }, grid: { left: 90, right: 20, top: 10, bottom: 30 },
      xAxis: { type: 'value' }, yAxis: { type: 'category', data: countries.map(c => c.name || c.code) },
      series: [{ type: 'bar', name: 'events', data: countries.map(c => c.events) }]
    });
    C.fill('top-products', C.table(d.top_products, [
      { title: 'Product', value: p => p.name || p.product_id }, { title: 'Category', value: p => p.category },
      { title: 'Events', value: p => C.number(p.events), num: true }], 'No product events in the last hour.'));
    C.fill('top-pages', C.table(d.top_pages, [
      { title: 'Page', value: p => p.value }, { title: 'Views', value: p => C.number(p.events), num: true }],
      'No page views in the last hour.'));
    C.fill('top-searches', C.table(d.top_searches, [
      { title: 'Search', value: p => p.value }, { title: 'Searches', value: p => C.number(p.events), num: true }],
      'No searches in the last hour.'));
    C.fill('countries', C.table(d.countries, [
      { title: 'Code', value: c => c.code }, { title: 'Country', value: c => c.name },
      { title: 'Events', value: c => C.number(c.events), num: true }], 'No events in the last hour.'));
  }

  async function stream() {
    if (document.getElementById('stream-pause').checked) return;
    const params = new URLSearchParams({
      type: select.value, country: document.getElementById('filter-country').value,
      user: document.getElementById('filter-user').value, size: '50' });
    let d;
    try {
      d = await C.api('/api/live/events?' + params);
    } catch (e) {
      C.showError('stream', e);
      return;
    }
    if (!d.available) {
      C.fill('stream', C.el('p', { class: 'muted', text: d.message }));
      return;
    }
    C.fill('stream', C.table(d.events, [
      { title: 'Received', value: e => C.time(e.received_at) },
      { title: 'Type', value: e => e.type },
      { title: 'User', value: e => e.user },
      { title: 'Country', value: e => e.country },
      { title: 'Device', value: e => e.device },
      { title: 'Data', value: e => JSON.stringify(e.data) }
    ], 'No events match.'));
  }

  document.getElementById('stream-filters').addEventListener('submit', ev => { ev.preventDefault(); stream(); });
  C.every(10000, summary);
  C.every(5000, stream);
})();
