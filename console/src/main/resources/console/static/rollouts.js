(function () {
  const C = Console;
  C.header('rollouts');
  let selected = null;

  async function act(model, command, button) {
    button.disabled = true;
    try {
      await C.post('/api/serving/models/' + encodeURIComponent(model) + '/' + command, {});
      await load();
    } catch (e) {
      C.showError('rollouts-error', e);
      button.disabled = false;
    }
  }

  function commandButton(model, command) {
    const b = C.el('button', { class: 'rollout-' + command, 'data-model': model, text: command });
    b.addEventListener('click', () => act(model, command, b));
    return b;
  }

  function split(m) {
    const t = m.traffic || {};
    const c = t.candidate_percent || 0;
    let text = c > 0 ? (100 - c) + '% ' + m.stable_version + ' · ' + c + '% ' + t.candidate_version
      : '100% ' + (t.stable_versions || [m.stable_version]).join(' + ');
    if (t.shadow) text += ' · shadow ' + t.shadow.version + ' (' + Math.round(t.shadow.share * 100) + '% copied)';
    return C.el('span', { class: 'split', 'data-model': m.model, text: text });
  }

  // A version the model registry resolved from an alias: '7 (champion)'.
  function withAlias(version, registry) {
    return registry && registry.alias ? version + ' (' + registry.alias + ')' : version;
  }

  function figures(m) {
    return Object.entries(m.versions || {}).map(([v, f]) => v + ': ' + f.requests + ' requests, ' + f.errors
      + ' errors, window p99 ' + f.window_p99_ms + ' ms').join(' · ');
  }

  function showAnalyses(r) {
    selected = r.id;
    const d = r.detail || {};
    const parts = [C.el('p', {}, [C.el('strong', { text: 'Rollout ' + r.id + ' of ' + r.model + ' ' + r.candidate_version
      + ' (' + r.strategy + '): ' + r.state }), C.el('span', { text: r.reason ? ' — ' + r.reason : '' })])];
    if ((d.analyses || []).length) {
      parts.push(C.table(d.analyses, [
        { title: 'Step', value: a => a.step + ' (' + a.percent + '%)' },
        { title: 'At', value: a => C.time(a.time) },
        { title: 'Outcome', value: a => C.el('span', { class: a.outcome === 'fail' ? 'bad' : a.outcome === 'pass' ? 'ok' : 'warn',
            text: a.outcome }) },
        { title: 'Why', value: a => a.reason },
        { title: 'Values', value: a => Object.entries(a.values).map(([k, v]) => k + ' ' + v).join(', ') }
      ]));
    }
    if (d.shadow) parts.push(C.el('p', { text: 'Shadow comparison: ' + Object.entries(d.shadow).map(([k, v]) => k + ' ' + v).join(', ') }));
    if (d.smoke_test) parts.push(C.el('p', { text: 'Smoke test: ' + d.smoke_test.succeeded + ' of ' + d.smoke_test.requests + ' predictions' }));
    if (d.downtime_ms !== undefined) parts.push(C.el('p', { text: 'Measured downtime: ' + d.downtime_ms + ' ms' }));
    parts.push(C.table((d.events || []).slice().reverse(), [
      { title: 'At', value: e => C.time(e.time) },
      { title: 'Event', value: e => e.message }
    ], 'No events.'));
    C.fill('rollouts-analyses', C.el('div', { id: 'rollout-' + r.id }, parts));
  }

  async function load() {
    const models = await C.api('/api/serving/models');
    if (models.available === false) {
      ['rollouts-models', 'rollouts-list'].forEach(id => C.fill(id, C.el('p', { class: 'muted', text: models.message })));
      return;
    }
    document.getElementById('rollouts-error').replaceChildren();
    C.fill('rollouts-models', C.table(models, [
      { title: 'Model', value: m => m.model },
      { title: 'Stable', value: m => withAlias(m.stable_version, m.stable_registry) },
      { title: 'Live traffic', value: split },
      { title: 'Per version', value: figures },
      { title: 'Kept for rollback', value: m => m.previous_version && m.previous_kept_until
          ? m.previous_version + ' until ' + C.time(m.previous_kept_until) : '' }
    ], 'No model is deployed: ./platform rollout start SPEC'));
    const rollouts = await C.api('/api/serving/rollouts?limit=50');
    C.fill('rollouts-list', C.table(rollouts, [
      { title: 'Id', value: r => {
          const a = C.el('a', { href: '#', class: 'rollout-link', text: String(r.id) });
          a.addEventListener('click', ev => { ev.preventDefault(); showAnalyses(r); });
          return a;
        } },
      { title: 'Model', value: r => r.model },
      { title: 'Strategy', value: r => r.strategy },
      { title: 'Version', value: r => {
          const v = withAlias(r.candidate_version, (r.spec || {}).registry);
          return r.stable_version ? r.stable_version + ' → ' + v : v;
        } },
      { title: 'State', value: r => C.el('span', { class: 'rollout-state ' + (r.state === 'promoted' ? 'ok'
          : r.state === 'progressing' || r.state === 'paused' ? 'warn' : 'bad'), text: r.state }) },
      { title: 'Where', value: r => r.phase + (r.phase === 'step' ? ' ' + (r.step + 1) : '') + ' · ' + r.candidate_percent + '%' },
      { title: 'Started', value: r => C.time(r.created_at) },
      { title: 'Reason', value: r => r.reason || '' },
      { title: '', value: r => {
          if (r.state === 'progressing') return C.el('span', {}, ['promote', 'pause', 'abort'].map(c => commandButton(r.model, c)));
          if (r.state === 'paused') return C.el('span', {}, ['resume', 'promote', 'abort'].map(c => commandButton(r.model, c)));
          return '';
        } }
    ], 'No rollouts yet.'));
    if (selected !== null) {
      const r = rollouts.find(x => x.id === selected);
      if (r) showAnalyses(r);
    }
  }

  C.every(5000, load);
})();
