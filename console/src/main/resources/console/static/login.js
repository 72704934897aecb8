(function () {
  const error = new URLSearchParams(location.search).get('error');
  const box = document.getElementById('login-error');
  if (error === 'invalid') {
    box.textContent = 'Wrong user name or password.';
    box.hidden = false;
  } else if (error === 'throttled') {
    box.textContent = 'Too many failed attempts for this user: wait a minute and try again.';
    box.hidden = false;
  }
})();
