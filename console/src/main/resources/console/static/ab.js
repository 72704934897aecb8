(function () {
  const C = Console;
  C.header('ab');
  let selected = null;

  function num(v, digits) {
    return v === null || v === undefined ? '–' : Number(v).toFixed(digits);
  }

  function pct(v) {
    return v === null || v === undefined ? '–' : (Number(v) * 100).toFixed(2) + '%';
  }

  async function stop(name, winner, button) {
    button.disabled = true;
    try {
      await C.post('/api/ab/experiments/' + encodeURIComponent(name) + '/stop?winner=' + winner, {});
      await load();
    } catch (e) {
      C.showError('ab-error', e);
      button.disabled = false;
    }
  }

  function stopButton(name, winner, label) {
    const b = C.el('button', { class: 'ab-stop-' + winner, 'data-experiment': name, text: label });
    b.addEventListener('click', () => stop(name, winner, b));
    return b;
  }

  async function showReport(name) {
    selected = name;
    const r = await C.api('/api/ab/experiments/' + encodeURIComponent(name) + '/report');
    const parts = [C.el('p', {}, [C.el('strong', { text: r.experiment + ' on ' + r.model + ' (' + r.state + '): ' }),
      C.el('span', { class: 'ab-verdict', text: r.verdict })])];
    parts.push(C.el('p', { class: 'muted', text: 'Metric ' + r.metric + ', alpha ' + r.alpha + ', minimum effect '
      + r.minimum_detectable_effect + '; planned users ' + r.planned_users.control + ' control, '
      + r.planned_users.treatment + ' treatment (power ' + r.planned_users.power + '); planned end ' + C.time(r.planned_end) }));
    if (r.arms) {
      parts.push(C.table(r.arms, [
        { title: 'Arm', value: a => a.arm },
        { title: 'Version', value: a => a.version },
        { title: 'Users', value: a => a.users },
        { title: 'Conversion', value: a => pct(a.conversion_rate) },
        { title: 'Revenue per user', value: a => num(a.revenue_per_user, 2) },
        { title: 'Churn', value: a => pct(a.churn_rate) },
        { title: 'Requests', value: a => a.requests },
        { title: 'Errors', value: a => pct(a.error_rate) },
        { title: 'p99 ms', value: a => num(a.p99_latency_ms, 1) }
      ]));
    }
    if (r.fixed_horizon) {
      const f = r.fixed_horizon;
      const s = r.sequential;
      parts.push(C.table([
        { test: f.test, effect: f.difference, lower: f.ci_lower, upper: f.ci_upper, p: f.p_value, sig: f.significant,
          used: r.decided_by === 'fixed_horizon' },
        { test: s.test, effect: f.difference, lower: s.ci_lower, upper: s.ci_upper, p: s.always_valid_p_value, sig: s.significant,
          used: r.decided_by === 'sequential' }
      ], [
        { title: 'Test', value: t => t.test },
        { title: 'Effect (treatment − control)', value: t => num(t.effect, 5) },
        { title: 'Interval', value: t => '[' + num(t.lower, 5) + ', ' + num(t.upper, 5) + ']' },
        { title: 'p-value', value: t => Number(t.p).toPrecision(3) },
        { title: 'Significant', value: t => t.sig ? 'yes' : 'no' },
        { title: 'Decides now', value: t => t.used ? 'yes' : '' }
      ]));
      parts.push(C.el('p', { class: 'ab-peeking', text: 'Peeking: ' + r.peeking }));
      parts.push(C.table(r.guardrails, [
        { title: 'Guardrail', value: g => g.guardrail },
        { title: 'Control', value: g => num(g.control, 4) },
        { title: 'Treatment', value: g => num(g.treatment, 4) },
        { title: 'Passed', value: g => C.el('span', { class: g.passed ? 'ok' : 'bad', text: g.passed ? 'passed' : 'FAILED' }) }
      ]));
    }
    if (r.decision) parts.push(C.el('p', { text: 'Decision: ' + r.decision }));
    C.fill('ab-report', C.el('div', { id: 'ab-report-' + r.experiment }, parts));
  }

  async function load() {
    const experiments = await C.api('/api/ab/experiments?limit=50');
    if (experiments.available === false) {
      ['ab-experiments'].forEach(id => C.fill(id, C.el('p', { class: 'muted', text: experiments.message })));
      return;
    }
    document.getElementById('ab-error').replaceChildren();
    C.fill('ab-experiments', C.table(experiments, [
      { title: 'Experiment', value: e => {
          const a = C.el('a', { href: '#', class: 'ab-link', 'data-experiment': e.name, text: e.name });
          a.addEventListener('click', ev => { ev.preventDefault(); showReport(e.name).catch(err => C.showError('ab-error', err)); });
          return a;
        } },
      { title: 'Model', value: e => e.model },
      { title: 'Control → treatment', value: e => e.control_version + ' → ' + e.treatment_version },
      { title: 'State', value: e => C.el('span', { class: 'ab-state ' + (e.state === 'running' ? 'warn' : 'ok'), text: e.state }) },
      { title: 'Started', value: e => C.time(e.started_at) },
      { title: 'Planned end', value: e => C.time(e.planned_end) },
      { title: 'Decision', value: e => e.decision || '' },
      { title: '', value: e => e.state === 'running' ? C.el('span', {}, [stopButton(e.name, 'auto', 'stop: report decides'),
          stopButton(e.name, 'control', 'stop: keep control')]) : '' }
    ], 'No experiments yet: ./platform ab start SPEC'));
    if (selected !== null) {
      await showReport(selected);
    }
  }

  C.every(5000, load);
})();
