(function () {
  const C = Console;
  C.header('pipeline');

  function lines(id, points, series, formatter) {
    C.chart(id, {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', axisLabel: formatter ? { formatter } : {} },
      series: series.map(([name, pick]) => ({
        name, type: 'line', showSymbol: false,
        data: points.map(p => [p.at, pick(p)]).filter(([, v]) => v !== undefined && v !== null)
      }))
    });
  }

  async function refresh() {
    let data;
    try {
      data = await C.api('/api/pipeline');
    } catch (e) {
      C.showError('flow-error', e);
      return;
    }
    document.getElementById('flow-error').replaceChildren();
    C.fill('components', C.table(data.components, [
      { title: 'Component', value: c => c.name },
      { title: 'Kind', value: c => c.kind },
      { title: 'Health', value: c => C.el('span', { class: c.healthy ? 'ok' : 'bad', text: c.healthy ? 'up' : 'DOWN' }) },
      { title: 'Detail', value: c => c.detail || '' }
    ]));
    const flow = data.flow;
    if (flow.error) {
      C.fill('flow-error', C.el('div', { class: 'error', text: flow.error }));
    }
    const points = flow.points || [];
    const last = points[points.length - 1];
    const totals = flow.totals || {};
    const latency = flow.latency_seconds || {};
    C.fill('now', C.el('div', {}, [
      stat('events.raw /s', last ? C.number(last.events_per_second['events.raw'], 1) : '–'),
      stat('events.enriched /s', last ? C.number(last.events_per_second['events.enriched'], 1) : '–'),
      stat('DLQ share', last ? C.number(last.dlq_share * 100, 1) + ' %' : '–'),
      stat('latency p99', latency.p99 !== undefined ? C.number(latency.p99, 2) + ' s' : '–'),
      C.el('p', { class: 'muted', text: 'Records ever written: ' + ['events.raw', 'events.raw.dlq', 'events.enriched', 'events.enriched.dlq']
        .map(t => t + ' ' + C.number(totals[t])).join(', ') + (flow.since ? '. Readings since ' + C.time(flow.since) + '.' : '') })
    ]));
    const stageNames = [...new Set(points.flatMap(p => Object.keys(p.stage_events_per_second || {})))];
    lines('chart-rates', points, stageNames.map(s => [s, p => (p.stage_events_per_second || {})[s]]));
    const stages = [...new Set(points.flatMap(p => Object.keys(p.lag || {})))];
    lines('chart-lag', points, stages.map(s => [s, p => (p.lag || {})[s]]));
    lines('chart-dlq', points, [['DLQ share', p => p.dlq_share * 100]], '{value} %');
    lines('chart-latency', points, [['p50', p => p.latency_p50_seconds], ['p99', p => p.latency_p99_seconds]]);
    const verify = data.verify;
    if (!verify.available) {
      C.fill('verify', C.el('p', { class: 'muted', text: verify.message }));
    } else {
      C.fill('verify', C.el('div', {}, [
        C.el('p', {}, [C.el('span', { class: verify.ok ? 'ok' : 'bad', text: verify.ok ? 'Nothing lost, nothing duplicated.' : 'Some events are missing or duplicated.' }),
          ' Range ' + verify.since + ' .. ' + verify.until + ', checked ' + C.time(verify.written_at) + '.']),
        C.table(verify.stages, [
          { title: 'Stage', value: s => s.stage },
          { title: 'Expected', value: s => C.number(s.expected), num: true },
          { title: 'Found', value: s => C.number(s.found), num: true },
          { title: 'Missing', value: s => C.number(s.missing), num: true },
          { title: 'Duplicated', value: s => C.number(s.duplicated), num: true },
          { title: 'Result', value: s => C.el('span', { class: s.ok ? 'ok' : 'bad', text: s.ok ? 'ok' : 'LOST OR DUPLICATED' }) }
        ])
      ]));
    }
  }

  function stat(label, value) {
    return C.el('span', { class: 'stat' }, [C.el('b', { text: value }), label]);
  }

  C.every(10000, refresh);
})();
