(function () {
  const C = Console;
  C.header('failed');
  const selected = new Set();
  const replayButton = document.getElementById('replay-button');
  // Searches can overlap (the first one on load, then the user's): only the latest one renders.
  let latestSearch = 0;

  function updateSelection() {
    replayButton.disabled = selected.size === 0;
    document.getElementById('selection').textContent = selected.size ? selected.size + ' selected' : 'Select replayable events below.';
  }

  async function search() {
    const mine = ++latestSearch;
    const type = document.getElementById('filter-type').value;
    const params = new URLSearchParams({
      type: type,
      schema: document.getElementById('filter-schema').value,
      path: document.getElementById('filter-path').value,
      from: document.getElementById('filter-from').value,
      to: document.getElementById('filter-to').value,
      size: '100'
    });
    let d;
    try {
      d = await C.api('/api/failed?' + params);
    } catch (e) {
      if (mine === latestSearch) C.showError('failed-error', e);
      return;
    }
    if (mine !== latestSearch) return;
    document.getElementById('failed-error').replaceChildren();
    if (!d.available) {
      C.fill('failed-list', C.el('p', { class: 'muted', text: d.message }));
      return;
    }
    selected.clear();
    updateSelection();
    document.getElementById('failed-summary').textContent = C.number(d.total) + ' failed events match; by type: '
      + (Object.entries(d.by_type).map(([k, v]) => k + ' ' + C.number(v)).join(', ') || 'none')
      + '. Showing the latest ' + d.records.length + '.';
    C.fill('failed-list', C.table(d.records, [
      { title: '', value: r => r.replayable
          ? C.el('input', { type: 'checkbox', class: 'pick', 'data-id': r.failure_id, onchange: ev => {
              ev.target.checked ? selected.add(r.failure_id) : selected.delete(r.failure_id);
              updateSelection();
            } })
          : C.el('span', { class: 'muted', title: 'rejected by the ' + r.component + ': resend through the collector', text: '–' }) },
      { title: 'Failed at', value: r => C.time(r.failed_at) },
      { title: 'Type', value: r => r.failure_type },
      { title: 'Component', value: r => r.component },
      { title: 'Schema', value: r => r.schema },
      { title: 'Errors', value: r => C.el('div', {}, (r.errors || []).map(e =>
          C.el('div', {}, [C.el('code', { text: e.path || '$' }), ' ' + e.message]))) },
      { title: 'Payload', value: r => C.el('pre', { text: r.payload }) }
    ], 'No failed events match.')).dataset.type = type;
  }

  replayButton.addEventListener('click', async () => {
    replayButton.disabled = true;
    const box = document.getElementById('replay-result');
    box.replaceChildren(C.el('p', { class: 'muted', text: 'Replaying ' + selected.size + ' events…' }));
    try {
      const r = await C.post('/api/failed/replay', { failure_ids: [...selected] });
      box.replaceChildren(C.el('div', { class: 'notice', id: 'replay-summary' }, [
        'Replayed ' + r.replayed + ' of ' + r.requested + ' to ' + r.topic + '.',
        C.table(r.outcomes, [
          { title: 'Failure', value: o => o.failure_id },
          { title: 'Result', value: o => C.el('span', { class: o.status === 'replayed' ? 'ok' : 'warn', text: o.status }) },
          { title: 'Where', value: o => o.status === 'replayed' ? 'partition ' + o.partition + ', offset ' + o.offset : o.detail }
        ])
      ]));
    } catch (e) {
      C.showError('replay-result', e);
    }
    updateSelection();
  });

  document.getElementById('failed-filters').addEventListener('submit', ev => { ev.preventDefault(); search(); });
  updateSelection();
  search();
})();
