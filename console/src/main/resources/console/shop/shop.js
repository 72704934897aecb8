// The demo shop: a few pages that behave like a real shop's and tell the platform what visitors do,
// through tracker.js. Nothing is tracked until the visitor allows analytics (the switch in the header).
(function () {
  'use strict';
  const config = window.SHOP_CONFIG || {};
  const tracker = NoExcusesTracker.init({
    collector: config.collector, writeKey: config.writeKey, source: config.source, requireConsent: true
  });
  window.shopTracker = tracker;
  const page = document.body.dataset.page;
  const CART = 'shop.cart';
  const USER = 'shop.user';

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.substring(2), v);
      else node.setAttribute(k, v);
    });
    (children || []).forEach(c => node.append(c instanceof Node ? c : document.createTextNode(String(c))));
    return node;
  }

  function cart() {
    try { return JSON.parse(localStorage.getItem(CART) || '[]'); } catch (e) { return []; }
  }

  function saveCart(items) {
    localStorage.setItem(CART, JSON.stringify(items));
    document.getElementById('cart-count').textContent = items.reduce((n, i) => n + i.quantity, 0);
  }

  function addToCart(product, quantity) {
    const items = cart();
    const line = items.find(i => i.product_id === product.product_id);
    if (line) line.quantity += quantity; else items.push({ product_id: product.product_id, name: product.name, price: product.price, quantity });
    saveCart(items);
    tracker.track('com.webshop/add_to_cart/1-0-0', { product_id: product.product_id, quantity, price: product.price });
  }

  // A demo account: the user id comes from the e-mail's name. A real shop takes it from its server's answer.
  function userIdOf(email) {
    return 'u-' + email.trim().toLowerCase().split('@')[0].replace(/[^a-z0-9]+/g, '-');
  }

  function header() {
    const consent = document.getElementById('consent');
    consent.checked = tracker.hasConsent();
    consent.addEventListener('change', () => {
      tracker.setConsent(consent.checked);
      if (consent.checked) tracker.pageView(page);
    });
    saveCart(cart());
    const user = localStorage.getItem(USER);
    const account = document.getElementById('account');
    if (user) {
      account.append('Logged in as ' + user + ' · ', el('a', { href: '#', id: 'logout', 'data-track': 'logout', text: 'Log out',
        onclick: async e => {
          e.preventDefault();
          tracker.logout();
          localStorage.removeItem(USER);
          await tracker.flush();
          location.href = '/shop/';
        } }));
    } else {
      account.append(el('a', { href: '/shop/login.html', id: 'to-login', text: 'Log in' }), ' · ',
        el('a', { href: '/shop/signup.html', id: 'to-signup-nav', text: 'Sign up' }));
    }
  }

  async function products() {
    const response = await fetch('/shop/products.json');
    return response.json();
  }

  async function home() {
    const all = (await products()).slice(0, 12);
    document.getElementById('products').replaceChildren(...all.map(p => el('div', { class: 'product' }, [
      el('h3', {}, [el('a', { href: '/shop/product.html?id=' + encodeURIComponent(p.product_id), id: 'open-' + p.product_id, text: p.name })]),
      el('p', { class: 'price', text: p.price.toFixed(2) + ' ' + p.currency }),
      el('button', { id: 'add-' + p.product_id, 'data-track': 'add-to-cart', text: 'Add to cart', onclick: () => addToCart(p, 1) })
    ])));
    document.getElementById('newsletter-form').addEventListener('submit', e => {
      e.preventDefault();
      document.getElementById('newsletter-result').textContent = 'Thank you!';
    });
  }

  async function product() {
    const id = new URLSearchParams(location.search).get('id');
    const p = (await products()).find(x => x.product_id === id);
    const box = document.getElementById('product');
    if (!p) {
      box.textContent = 'No such product.';
      return;
    }
    tracker.track('com.webshop/product_view/1-0-0', { product_id: p.product_id, url: location.href });
    const quantity = el('input', { type: 'number', id: 'quantity', min: '1', value: '1' });
    box.replaceChildren(el('h1', { text: p.name }), el('p', { class: 'muted', text: p.category }),
      el('p', { class: 'price', text: p.price.toFixed(2) + ' ' + p.currency }),
      el('p', {}, [quantity, ' ', el('button', { id: 'add-to-cart', 'data-track': 'add-to-cart', text: 'Add to cart',
        onclick: () => addToCart(p, Math.max(1, parseInt(quantity.value, 10) || 1)) })]));
  }

  function cartPage() {
    const items = cart();
    const box = document.getElementById('cart');
    if (items.length === 0) {
      box.textContent = 'Your cart is empty.';
      return;
    }
    box.replaceChildren(el('table', {}, items.map(i => el('tr', {}, [
      el('td', { text: i.name }), el('td', { text: i.quantity }), el('td', { text: (i.price * i.quantity).toFixed(2) })]))));
    document.getElementById('checkout').addEventListener('click', () => {
      document.getElementById('checkout-result').textContent = 'This is a demo: nothing is charged.';
    });
  }

  function accountForm(formId, emailId, onDone) {
    document.getElementById(formId).addEventListener('submit', async e => {
      e.preventDefault();
      const email = document.getElementById(emailId).value;
      const userId = userIdOf(email);
      localStorage.setItem(USER, userId);
      onDone(userId, email);
      // Sent before leaving, so the login is in the same order as the visit.
      await tracker.flush();
      location.href = '/shop/';
    });
  }

  header();
  tracker.pageView(page);
  const pages = {
    home, product, cart: cartPage,
    login: () => accountForm('login-form', 'login-email', userId => tracker.login(userId, 'password')),
    signup: () => accountForm('signup-form', 'signup-email', (userId, email) => tracker.signup(userId, 'password',
      { email, marketing_opt_in: document.getElementById('signup-marketing').checked }))
  };
  Promise.resolve(pages[page] && pages[page]()).catch(e => console.error(e));
})();
