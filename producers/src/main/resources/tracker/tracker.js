/*
 * No Excuses browser tracker: sends page views, clicks, form submits, logins and your own events to the
 * collector.
 *
 *   <script src="/tracker.js"></script>
 *   <script>
 *     const tracker = NoExcusesTracker.init({
 *       collector: "https://collector.example.com", writeKey: "local-dev-key", source: "web-shop" });
 *     tracker.pageView("home");                             // com.webshop/page_view/1-0-0
 *     tracker.track("com.webshop/search/1-0-0", { query: "shoes", results: 12 });
 *     tracker.login("u-42");                                // login event; later events carry user_id
 *     tracker.logout();                                     // logout event; later events are anonymous
 *   </script>
 *
 * - Elements with a data-track attribute send button_click events when clicked (the attribute's value
 *   names the element); forms send form_submit events when submitted (their id and field count, never
 *   the values).
 * - Identity: a random anonymous id is kept in first-party localStorage and sent with every event; after
 *   login (or identify) events carry the user id as well, so the platform can stitch the visitor's
 *   earlier events to the user.
 * - Consent: with requireConsent, nothing is sent or stored until setConsent(true); setConsent(false)
 *   stops tracking at once, drops what was queued and forgets the ids.
 * - Delivery: events are batched (up to 20, or 1 s) and sent with fetch; when the page is hidden or
 *   left, what is queued goes with navigator.sendBeacon (which survives the page). A batch the collector
 *   answers 429/5xx, or that cannot be sent (offline), is retried with backoff with the same event ids
 *   (the platform removes duplicates) and, if still not sent, kept in localStorage and sent when the
 *   browser is online again or on the next page.
 */
(function (global) {
  "use strict";

  var ANONYMOUS_ID = "noexcuses.anonymous_id";
  var USER_ID = "noexcuses.user_id";
  var CONSENT = "noexcuses.consent";
  var OUTBOX = "noexcuses.outbox";
  var OUTBOX_MAX = 500;

  function uuid() {
    if (global.crypto && typeof global.crypto.randomUUID === "function") {
      return global.crypto.randomUUID();
    }
    var b = new Uint8Array(16);
    for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /** First-party storage that never throws (private modes, disabled storage): then ids live as long as the page. */
  function Store(storage) {
    this.storage = storage || null;
    this.memory = {};
  }
  Store.prototype.get = function (key) {
    try {
      if (this.storage) return this.storage.getItem(key);
    } catch (e) { /* fall through */ }
    return this.memory[key] === undefined ? null : this.memory[key];
  };
  Store.prototype.set = function (key, value) {
    this.memory[key] = value;
    try { if (this.storage) this.storage.setItem(key, value); } catch (e) { /* memory only */ }
  };
  Store.prototype.remove = function (key) {
    delete this.memory[key];
    try { if (this.storage && this.storage.removeItem) this.storage.removeItem(key); } catch (e) { /* ignore */ }
  };

  function Tracker(options) {
    if (!options || !options.collector || !options.writeKey || !options.source) {
      throw new Error("NoExcusesTracker.init needs {collector, writeKey, source}");
    }
    this.endpoint = options.collector.replace(/\/$/, "") + "/v1/events";
    this.writeKey = options.writeKey;
    this.source = options.source;
    this.vendor = options.vendor || "com.webshop";
    this.batchSize = options.batchSize || 20;
    this.flushMs = options.flushMs || 1000;
    this.maxRetries = options.maxRetries === undefined ? 6 : options.maxRetries;
    this.store = new Store(options.storage || global.localStorage);
    this.requireConsent = !!options.requireConsent;
    this.queue = [];
    this.timer = null;
    this.inFlight = 0;
    this.sent = 0;
    this.onResult = options.onResult || function () {};
  }

  /** Whether events may be sent: consent given, or not required and not refused. */
  Tracker.prototype.hasConsent = function () {
    var c = this.store.get(CONSENT);
    return c === "granted" || (!this.requireConsent && c !== "denied");
  };

  /** Turns tracking on or off; off drops queued events and forgets the ids kept in storage. */
  Tracker.prototype.setConsent = function (granted) {
    this.store.set(CONSENT, granted ? "granted" : "denied");
    if (!granted) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.queue = [];
      this.store.remove(OUTBOX);
      this.store.remove(ANONYMOUS_ID);
      this.store.remove(USER_ID);
    } else {
      this.resendOutbox();
    }
  };

  Tracker.prototype.anonymousId = function () {
    var id = this.store.get(ANONYMOUS_ID);
    if (!id) {
      id = uuid();
      this.store.set(ANONYMOUS_ID, id);
    }
    return id;
  };

  Tracker.prototype.userId = function () {
    return this.store.get(USER_ID);
  };

  /** Later events carry this user id (kept in storage across pages); null or empty forgets it. */
  Tracker.prototype.identify = function (userId) {
    if (userId) {
      if (this.hasConsent()) this.store.set(USER_ID, String(userId));
    } else {
      this.store.remove(USER_ID);
    }
  };

  /** A successful login: identifies the user, then sends com.webshop/login. */
  Tracker.prototype.login = function (userId, method) {
    this.identify(userId);
    return this.track(this.vendor + "/login/1-0-0", { method: method || "password", success: true });
  };

  /** A new account: identifies the user, then sends com.webshop/signup. */
  Tracker.prototype.signup = function (userId, method, data) {
    this.identify(userId);
    var d = { method: method || "password" };
    for (var k in (data || {})) if (Object.prototype.hasOwnProperty.call(data, k)) d[k] = data[k];
    return this.track(this.vendor + "/signup/1-0-0", d);
  };

  /** Sends com.webshop/logout (still as the user), then forgets the user id. */
  Tracker.prototype.logout = function () {
    var id = this.track(this.vendor + "/logout/1-0-0", {});
    this.identify(null);
    return id;
  };

  /** Queues an event of schema vendor/name/x-y-z with its data; returns its event_id (null without consent). */
  Tracker.prototype.track = function (schema, data) {
    if (!this.hasConsent()) return null;
    var event = {
      event_id: uuid(),
      schema: schema,
      event_time: new Date().toISOString(),
      source: this.source,
      anonymous_id: this.anonymousId(),
      data: data || {}
    };
    var user = this.userId();
    if (user) event.user_id = user;
    this.queue.push(event);
    if (this.queue.length >= this.batchSize) {
      this.flush();
    } else if (!this.timer) {
      var self = this;
      this.timer = setTimeout(function () { self.flush(); }, this.flushMs);
    }
    return event.event_id;
  };

  Tracker.prototype.pageView = function (pageType) {
    var loc = global.location || {};
    var doc = global.document || {};
    return this.track(this.vendor + "/page_view/1-0-0", {
      url: String(loc.href || ""),
      referrer: String(doc.referrer || ""),
      title: String(doc.title || ""),
      page_type: pageType || "home"
    });
  };

  Tracker.prototype.click = function (elementId, text) {
    var loc = global.location || {};
    return this.track(this.vendor + "/button_click/1-0-0", {
      element_id: String(elementId), text: String(text || ""), page_url: String(loc.href || "")
    });
  };

  Tracker.prototype.formSubmit = function (form) {
    var loc = global.location || {};
    var id = form.getAttribute && (form.getAttribute("data-track") || form.id || form.getAttribute("name"));
    return this.track(this.vendor + "/form_submit/1-0-0", {
      form_id: String(id || "form"), page_url: String(loc.href || ""),
      fields: form.elements ? form.elements.length : 0
    });
  };

  /** Sends everything queued now; resolves when the collector has answered (or the batch was kept for later). */
  Tracker.prototype.flush = function () {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.queue.length === 0) return Promise.resolve();
    var batch = this.queue.splice(0, this.queue.length);
    return this.send(batch, 0);
  };

  /** Hands what is queued to navigator.sendBeacon, which delivers it even after the page is gone. */
  Tracker.prototype.flushOnExit = function () {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.queue.length === 0) return;
    var batch = this.queue.splice(0, this.queue.length);
    var nav = global.navigator;
    // A beacon cannot carry headers: the write key goes in the query, the body as text/plain (a type
    // browsers may send cross-origin without asking first); the collector reads it as JSON.
    if (nav && typeof nav.sendBeacon === "function" && typeof global.Blob === "function") {
      var url = this.endpoint + "?write_key=" + encodeURIComponent(this.writeKey);
      var body = new global.Blob([JSON.stringify(batch)], { type: "text/plain" });
      try {
        if (nav.sendBeacon(url, body)) {
          this.sent += batch.length;
          return;
        }
      } catch (e) { /* fall back below */ }
    }
    this.keep(batch);
    this.send(batch, this.maxRetries);
  };

  Tracker.prototype.send = function (batch, attempt) {
    var self = this;
    if (global.navigator && global.navigator.onLine === false) {
      self.keep(batch);
      self.onResult({ status: 0, error: "offline: kept for later", events: batch.length });
      return Promise.resolve();
    }
    self.inFlight++;
    return global.fetch(this.endpoint, {
      method: "POST",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-Write-Key": this.writeKey },
      body: JSON.stringify(batch)
    }).then(function (response) {
      return response.text().then(function (text) {
        var retry = response.status === 429 || response.status >= 500;
        if (retry) throw new Error("collector answered " + response.status);
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = { error: text }; }
        self.sent += batch.length;
        self.forget(batch);
        self.onResult({ status: response.status, body: body, events: batch.length });
        // The collector is reachable again: what waited in the offline queue goes now.
        if (self.outbox().length > 0) self.resendOutbox();
      });
    }).catch(function (error) {
      if (attempt >= self.maxRetries) {
        self.keep(batch);
        self.onResult({ status: 0, error: String(error), events: batch.length, kept: true });
        return;
      }
      var delay = Math.min(30000, 250 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      return new Promise(function (resolve) { setTimeout(resolve, delay); })
        .then(function () { return self.send(batch, attempt + 1); });
    }).then(function () { self.inFlight--; }, function () { self.inFlight--; });
  };

  /** Keeps events in the offline queue in storage (the newest OUTBOX_MAX), once each. */
  Tracker.prototype.keep = function (batch) {
    if (!this.hasConsent()) return;
    var kept = this.outbox();
    var ids = {};
    kept.forEach(function (e) { ids[e.event_id] = true; });
    batch.forEach(function (e) { if (!ids[e.event_id]) kept.push(e); });
    this.store.set(OUTBOX, JSON.stringify(kept.slice(-OUTBOX_MAX)));
  };

  Tracker.prototype.forget = function (batch) {
    var kept = this.outbox();
    if (kept.length === 0) return;
    var sent = {};
    batch.forEach(function (e) { sent[e.event_id] = true; });
    var left = kept.filter(function (e) { return !sent[e.event_id]; });
    if (left.length === 0) this.store.remove(OUTBOX); else this.store.set(OUTBOX, JSON.stringify(left));
  };

  Tracker.prototype.outbox = function () {
    try {
      var parsed = JSON.parse(this.store.get(OUTBOX) || "[]");
      return Array.isArray(parsed) ? parsed : [];
    } catch (e) {
      return [];
    }
  };

  /** Sends the offline queue again (on start, when the browser is back online, on consent). */
  Tracker.prototype.resendOutbox = function () {
    var kept = this.outbox();
    if (kept.length === 0 || !this.hasConsent()) return Promise.resolve();
    return this.send(kept, 0);
  };

  /** Listens for clicks on data-track elements, form submits, leaving the page and coming back online. */
  Tracker.prototype.listen = function () {
    var self = this;
    var doc = global.document;
    if (!doc || !doc.addEventListener) return;
    doc.addEventListener("click", function (e) {
      var el = e.target;
      while (el && el.getAttribute && !el.getAttribute("data-track")) el = el.parentNode;
      if (el && el.getAttribute && el.tagName !== "FORM") {
        self.click(el.getAttribute("data-track"), (el.textContent || "").trim());
      }
    }, true);
    doc.addEventListener("submit", function (e) {
      if (e.target) self.formSubmit(e.target);
    }, true);
    doc.addEventListener("visibilitychange", function () {
      if (doc.visibilityState === "hidden") self.flushOnExit();
    });
    if (typeof global.addEventListener === "function") {
      global.addEventListener("pagehide", function () { self.flushOnExit(); });
      global.addEventListener("online", function () { self.resendOutbox(); });
    }
  };

  global.NoExcusesTracker = {
    init: function (options) {
      var t = new Tracker(options);
      t.listen();
      t.resendOutbox();
      return t;
    }
  };
})(typeof window !== "undefined" ? window : globalThis);
