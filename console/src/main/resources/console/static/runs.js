(function () {
  const C = Console;
  C.header('runs');
  const COLOURS = { success: '#1f8b4c', failed: '#c62828', upstream_failed: '#8d4a00', running: '#2f5fd0',
    up_for_retry: '#b26a00', scheduled: '#6b7fa8', queued: '#6b7fa8', none: '#9aa3b0' };
  const dagsById = {};
  let selected = Number((location.hash.match(/run=(\d+)/) || [])[1]) || null;

  function state(s) {
    return C.el('span', { class: 'state state-' + s, text: s });
  }

  function seconds(ms) {
    const s = Math.round(ms / 1000);
    return s < 60 ? s + ' s' : Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  }

  function duration(from, to) {
    return from ? seconds((to ? new Date(to) : new Date()) - new Date(from)) : '–';
  }

  function today() {
    return new Date().toISOString().substring(0, 10);
  }

  // Runs an action, shows its answer above the page, and refreshes what it changed.
  async function act(path, body, describe) {
    const box = document.getElementById('action-result');
    try {
      const r = await C.post(path, body);
      C.fill('action-result', C.el('div', { class: 'notice', id: 'action-done', text: describe(r) }));
      if (r.run) select(r.run.run_id);
      await refresh();
    } catch (e) {
      box.replaceChildren(C.el('div', { class: 'error', id: 'action-failed', text: String(e.message || e) }));
    }
  }

  function dagCard(d) {
    const id = d.id;
    const triggerDate = C.el('input', { type: 'date', id: 'trigger-date-' + id, value: today(), required: true });
    const from = C.el('input', { type: 'date', id: 'backfill-from-' + id, required: true });
    const to = C.el('input', { type: 'date', id: 'backfill-to-' + id, required: true });
    const trigger = C.el('form', { id: 'trigger-form-' + id, onsubmit: ev => {
      ev.preventDefault();
      act('/api/runs/trigger', { dag: id, date: triggerDate.value },
        r => 'Queued ' + r.run.dag_id + ' for ' + r.run.date + ' (run ' + r.run.run_id + ').');
    } }, ['Day ', triggerDate, C.el('button', { type: 'submit', class: 'primary', id: 'trigger-' + id, text: 'Trigger' })]);
    const backfill = C.el('form', { id: 'backfill-form-' + id, onsubmit: ev => {
      ev.preventDefault();
      act('/api/runs/backfill', { dag: id, from: from.value, to: to.value }, r => 'Backfill of ' + id + ': '
        + r.runs.length + ' run(s) from ' + from.value + ' to ' + to.value
        + ' (days that already had a run keep it; clear them to run again).');
    } }, ['From ', from, ' to ', to, C.el('button', { type: 'submit', id: 'backfill-' + id, text: 'Backfill' })]);
    return C.el('div', { class: 'dag', id: 'dag-' + id }, [
      C.el('div', {}, [C.el('b', { text: id }), ' ', C.el('span', { class: 'muted', text: d.description })]),
      C.el('div', { class: 'muted', text: (d.schedule ? 'schedule ' + d.schedule + ' (' + d.zone + ')'
        + (d.catchup ? ', catches up missed intervals' : '') : 'no schedule: triggered only')
        + '; at most ' + d.max_active_runs + ' active run(s); tasks ' + d.tasks.map(t => t.id
          + (t.upstream.length ? ' (after ' + t.upstream.join(', ') + ')' : '')).join(', ') }),
      trigger, backfill
    ]);
  }

  async function refresh() {
    let d;
    try {
      d = await C.api('/api/runs');
    } catch (e) {
      C.showError('runs-error', e);
      return;
    }
    document.getElementById('runs-error').replaceChildren();
    if (!d.available) {
      C.fill('dags', C.el('div', { class: 'notice', id: 'runs-unavailable', text: d.message }));
      C.fill('runs', C.el('p', { class: 'muted', text: 'No runs to show.' }));
      return;
    }
    C.fill('scheduler-state', d.scheduler_active
      ? C.el('p', { class: 'muted', id: 'scheduler-active', text: 'A scheduler is running on this database: queued runs start within seconds.' })
      : C.el('div', { class: 'notice', id: 'scheduler-inactive',
          text: 'No scheduler is running on this database: runs stay queued until one starts (./platform up, or ./platform run orchestrator).' }));
    if (!document.querySelector('#dags .dag')) {
      d.dags.forEach(x => { dagsById[x.id] = x; });
      C.fill('dags', C.el('div', {}, d.dags.map(dagCard)));
    }
    const table = C.table(d.runs, [
      { title: 'Run', value: r => C.el('a', { class: 'run-link', href: '#run=' + r.run_id, text: String(r.run_id),
          onclick: ev => { ev.preventDefault(); select(r.run_id); } }) },
      { title: 'DAG', value: r => r.dag_id },
      { title: 'Day', value: r => r.date },
      { title: 'Type', value: r => r.run_type },
      { title: 'State', value: r => state(r.state) },
      { title: 'Started', value: r => C.time(r.started_at) },
      { title: 'Duration', value: r => duration(r.started_at, r.ended_at), num: true },
      { title: 'Tasks', value: r => C.el('span', {}, r.tasks.map(t => C.el('span', { class: 'state state-' + t.state,
          title: t.state, text: t.task_id + (t.try_number > 1 ? ' (try ' + t.try_number + ')' : '') }))) },
      { title: 'Why', value: r => r.reason || '' }
    ], 'No runs yet: trigger one above, or wait for the schedule.');
    table.querySelectorAll('tbody tr').forEach((tr, i) => {
      tr.id = 'run-' + d.runs[i].run_id;
      tr.dataset.state = d.runs[i].state;
      if (d.runs[i].run_id === selected) tr.classList.add('selected');
    });
    C.fill('runs', table);
    if (selected) await detail();
  }

  function select(runId) {
    selected = runId;
    history.replaceState(null, '', '#run=' + runId);
    document.querySelectorAll('#runs tbody tr').forEach(tr => tr.classList.toggle('selected', tr.id === 'run-' + runId));
    document.getElementById('log-box').replaceChildren();
    detail();
  }

  // Task graph: tasks in columns by how many tasks they wait for in a row, coloured by state.
  function drawGraph(graph) {
    const depth = {};
    const upstream = {};
    graph.edges.forEach(e => { (upstream[e.to] = upstream[e.to] || []).push(e.from); });
    const depthOf = id => depth[id] !== undefined ? depth[id]
      : (depth[id] = (upstream[id] || []).reduce((m, u) => Math.max(m, depthOf(u) + 1), 0));
    const rows = {};
    const nodes = graph.nodes.map(n => {
      const x = depthOf(n.id);
      rows[x] = (rows[x] || 0) + 1;
      return { name: n.id, x: x * 180, y: (rows[x] - 1) * 70, symbolSize: [130, 46], symbol: 'roundRect',
        itemStyle: { color: COLOURS[n.state] || '#9aa3b0' },
        label: { show: true, color: '#fff', lineHeight: 17, formatter: '{id|' + n.id + '}\n' + n.state,
          rich: { id: { fontWeight: 'bold', color: '#fff', lineHeight: 17 } } }, value: n.state };
    });
    C.chart('chart-graph', {
      grid: undefined, tooltip: { formatter: p => p.dataType === 'node' ? p.name + ': ' + p.value : '' },
      series: [{ type: 'graph', layout: 'none', roam: false, edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 10,
        lineStyle: { color: '#5b6575', width: 2 }, data: nodes,
        links: graph.edges.map(e => ({ source: e.from, target: e.to })) }]
    });
    document.getElementById('chart-graph').dataset.states = graph.nodes.map(n => n.id + ':' + n.state).join(' ');
  }

  async function detail() {
    const runId = selected;
    let d;
    try {
      d = await C.api('/api/runs/' + runId);
    } catch (e) {
      C.showError('runs-error', e);
      return;
    }
    if (runId !== selected) return;
    const box = document.getElementById('run-detail');
    box.hidden = false;
    box.dataset.runId = String(d.run.run_id);
    box.dataset.state = d.run.state;
    document.getElementById('run-title').textContent = d.run.dag_id + ' ' + d.run.date + ' (run ' + d.run.run_id + ')';
    document.getElementById('run-summary').replaceChildren(state(d.run.state), ' ' + d.run.run_type + ' run, created '
      + C.time(d.run.created_at) + ', ' + duration(d.run.started_at, d.run.ended_at)
      + (d.run.reason ? '. Why: ' + d.run.reason : ''));
    const finished = d.run.state === 'success' || d.run.state === 'failed';
    const failedTasks = d.tasks.filter(t => t.state === 'failed' || t.state === 'upstream_failed');
    const actions = [];
    if (finished && failedTasks.length) {
      actions.push(C.el('button', { class: 'primary', id: 'clear-failed', text: 'Clear failed tasks and run them again',
        onclick: () => act('/api/runs/clear', { dag: d.run.dag_id, date: d.run.date },
          r => 'Cleared the failed tasks of ' + r.run.dag_id + ' ' + r.run.date + ': the run is queued again.') }));
    }
    if (finished) {
      d.tasks.forEach(t => actions.push(C.el('button', { id: 'clear-' + t.task_id, text: 'Clear ' + t.task_id + ' and after',
        onclick: () => act('/api/runs/clear', { dag: d.run.dag_id, date: d.run.date, task: t.task_id },
          r => 'Cleared ' + t.task_id + ' and its downstream tasks of ' + r.run.dag_id + ' ' + r.run.date + '.') })));
    }
    document.getElementById('run-actions').replaceChildren(...actions);
    drawGraph(d.graph);
    C.fill('attempts', C.table(d.attempts, [
      { title: 'Task', value: a => a.task_id },
      { title: 'Try', value: a => a.try_number, num: true },
      { title: 'State', value: a => state(a.state) },
      { title: 'Exit', value: a => a.exit_code, num: true },
      { title: 'Duration', value: a => a.duration_ms === null ? duration(a.started_at, null) : seconds(a.duration_ms), num: true },
      { title: 'Where', value: a => a.scheduler + (a.pid ? ' (pid ' + a.pid + ')' : '') },
      { title: 'Error', value: a => a.error || '' },
      { title: 'Log', value: a => C.el('button', { id: 'log-' + a.attempt_id, class: 'log-button', text: 'Log',
          onclick: () => showLog(d.run.run_id, a.attempt_id) }) }
    ], 'No attempts yet: the run is queued.'));
  }

  async function showLog(runId, attemptId) {
    try {
      const l = await C.api('/api/runs/' + runId + '/attempts/' + attemptId + '/log');
      C.fill('log-box', C.el('div', { id: 'log-' + attemptId + '-text' }, [
        C.el('h2', { text: 'Log of ' + l.task_id + ', try ' + l.try_number }),
        C.el('div', { class: 'muted', text: l.log_file + (l.truncated ? ' (the last 64 KiB of ' + C.bytes(l.size) + ')' : '') }),
        l.available ? C.el('pre', { id: 'log-text', text: l.text }) : C.el('p', { class: 'notice', text: l.message })
      ]));
    } catch (e) {
      C.showError('log-box', e);
    }
  }

  C.every(5000, refresh);
})();
