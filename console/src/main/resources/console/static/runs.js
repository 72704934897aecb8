(function () {
  const C = Console;
  C.header('runs');
  C.api('/api/runs').then(d => {
    if (!d.available) {
      C.fill('runs', C.el('div', { class: 'notice', id: 'runs-unavailable', text: d.message }));
    }
  }).catch(e => C.showError('runs', e));
})();
