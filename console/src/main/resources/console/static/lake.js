(function () {
  const C = Console;
  C.header('lake');

  async function tables() {
    let d;
    try {
      d = await C.api('/api/lake');
    } catch (e) {
      C.showError('lake-error', e);
      return;
    }
    if (!d.available) {
      C.fill('tables', C.el('p', { class: 'muted', text: d.message }));
      return;
    }
    C.fill('tables', C.table(d.tables, [
      { title: 'Table', value: t => t.name },
      { title: 'Rows', value: t => C.number(t.rows), num: true },
      { title: 'Data files', value: t => C.number(t.data_files), num: true },
      { title: 'Size', value: t => C.bytes(t.bytes), num: true },
      { title: 'Avg file', value: t => C.bytes(t.average_file_bytes), num: true },
      { title: 'Snapshots', value: t => C.number(t.snapshots), num: true },
      { title: 'Last commit', value: t => t.last_commit ? C.time(t.last_commit) : (t.error || 'never') },
      { title: 'Partitioning', value: t => t.partitioning }
    ], d.message || 'No tables yet.'));
    const withData = d.tables.filter(t => t.bytes);
    C.chart('chart-sizes', {
      tooltip: { trigger: 'axis' }, grid: { left: 170, right: 40, top: 10, bottom: 30 },
      xAxis: { type: 'value', splitNumber: 3, axisLabel: { formatter: v => C.bytes(v), hideOverlap: true } },
      yAxis: { type: 'category', data: withData.map(t => t.name) },
      series: [{ type: 'bar', name: 'bytes', data: withData.map(t => t.bytes) }]
    });
    const commits = d.tables.flatMap(t => (t.recent_snapshots || []).map(s => Object.assign({ table: t.name }, s)))
      .sort((a, b) => b.committed_at.localeCompare(a.committed_at)).slice(0, 12);
    C.fill('snapshots', C.table(commits, [
      { title: 'When', value: s => C.time(s.committed_at) },
      { title: 'Table', value: s => s.table },
      { title: 'Operation', value: s => s.operation },
      { title: 'Files', value: s => C.number(s.added_files), num: true },
      { title: 'Rows', value: s => C.number(s.added_rows), num: true }
    ], 'No commits yet.'));
  }

  async function quality() {
    let d;
    try {
      d = await C.api('/api/lake/quality');
    } catch (e) {
      C.showError('quality', e);
      return;
    }
    if (!d.available) {
      C.fill('quality', C.el('p', { class: 'muted', id: 'quality-empty', text: d.message }));
      return;
    }
    const counts = {};
    d.rows.forEach(r => { counts[r.status] = (counts[r.status] || 0) + 1; });
    C.fill('quality', C.el('div', {}, [
      C.el('p', {}, Object.entries(counts).map(([k, v]) =>
        C.el('span', { class: 'stat ' + (k === 'fail' ? 'bad' : k === 'warn' ? 'warn' : 'ok') }, [C.el('b', { text: C.number(v) }), k]))),
      C.table(d.rows, d.columns.map(c => ({ title: c, value: r => c === 'status'
        ? C.el('span', { class: r.status === 'fail' ? 'bad' : r.status === 'warn' ? 'warn' : 'ok', text: r.status })
        : r[c] })))
    ]));
  }

  C.every(30000, tables);
  C.every(30000, quality);
})();
