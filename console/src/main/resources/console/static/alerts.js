(function () {
  const C = Console;
  C.header('alerts');

  async function act(path, body, button) {
    button.disabled = true;
    try {
      await C.post(path, body);
      await load();
    } catch (e) {
      C.showError('alerts-error', e);
      button.disabled = false;
    }
  }

  function silenceButton(rule, group) {
    const b = C.el('button', { class: 'silence', 'data-rule': rule, 'data-group': group, text: 'Silence 1 h' });
    b.addEventListener('click', () => act('/api/alerts/silence', { rule: rule, group: group, duration: '1h',
      reason: 'silenced from the console' }, b));
    return b;
  }

  async function load() {
    const d = await C.api('/api/alerts');
    if (d.available === false) {
      ['alerts-active', 'alerts-rules', 'alerts-silences', 'alerts-history'].forEach(id =>
        C.fill(id, C.el('p', { class: 'muted', text: d.message })));
      return;
    }
    document.getElementById('alerts-error').replaceChildren();
    const active = d.alerts.filter(a => a.state !== 'resolved');
    C.fill('alerts-active', C.table(active, [
      { title: 'State', value: a => C.el('span', { class: a.state === 'firing' ? 'bad' : 'warn', text: a.state }) },
      { title: 'Rule', value: a => a.rule },
      { title: 'Group', value: a => a.group },
      { title: 'Since', value: a => C.time(a.since) },
      { title: 'What', value: a => a.summary },
      { title: 'Acknowledged', value: a => {
          if (a.acknowledged_by) return a.acknowledged_by + ' ' + C.time(a.acknowledged_at);
          const b = C.el('button', { class: 'ack', 'data-rule': a.rule, 'data-group': a.group, text: 'Acknowledge' });
          b.addEventListener('click', () => act('/api/alerts/acknowledge', { rule: a.rule, group: a.group }, b));
          return b;
        } },
      { title: '', value: a => silenceButton(a.rule, a.group) }
    ], 'Nothing is firing.'));
    const last = d.last_evaluation;
    C.fill('alerts-rules', C.el('div', {}, [
      C.el('p', { class: 'muted', text: last ? 'Last evaluated ' + C.time(last.at) + (Object.keys(last.failed_rules).length
        ? '; could not evaluate: ' + Object.entries(last.failed_rules).map(([k, v]) => k + ' (' + v + ')').join(', ') : '')
        : 'Not evaluated yet (every minute).' }),
      C.table(d.rules, [
        { title: 'Rule', value: r => r.name },
        { title: 'Kind', value: r => r.kind },
        { title: 'Condition', value: r => r.description },
        { title: 'For', value: r => r.for },
        { title: '', value: r => silenceButton(r.name, '*') }
      ])]));
    C.fill('alerts-silences', C.table(d.silences, [
      { title: 'Rule', value: s => s.rule },
      { title: 'Group', value: s => s.group },
      { title: 'Until', value: s => C.time(s.until) },
      { title: 'By', value: s => s.created_by },
      { title: 'Why', value: s => s.reason }
    ], 'No silences.'));
    const h = await C.api('/api/alerts/history?limit=100');
    C.fill('alerts-history', C.table(h.history, [
      { title: 'At', value: e => C.time(e.at) },
      { title: 'Rule', value: e => e.rule },
      { title: 'Group', value: e => e.group },
      { title: 'State', value: e => e.state },
      { title: 'What', value: e => e.summary }
    ], 'No alerts yet.'));
  }

  C.every(15000, load);
})();
