/*
 * No Excuses browser tracker: sends page views, clicks and your own events to the collector.
 *
 *   <script src="/tracker.js"></script>
 *   <script>
 *     const tracker = NoExcusesTracker.init({
 *       collector: "https://collector.example.com", writeKey: "local-dev-key", source: "web-shop" });
 *     tracker.pageView();                                   // com.webshop/page_view/1-0-0
 *     tracker.track("com.webshop/search/1-0-0", { query: "shoes", results: 12 });
 *     tracker.identify("u-42");                             // later events carry user_id
 *   </script>
 *
 * Elements with a data-track attribute send button_click events when clicked. Events are batched
 * (up to 20, or 1 s) and sent with fetch(keepalive) so the last batch survives leaving the page;
 * a batch the collector answers 503/5xx (or cannot be reached) is retried with backoff, with the
 * same event ids, so the platform can remove duplicates.
 */
(function (global) {
  "use strict";

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

  function storedAnonymousId(storage) {
    var key = "noexcuses.anonymous_id";
    try {
      var id = storage && storage.getItem(key);
      if (!id) {
        id = uuid();
        if (storage) storage.setItem(key, id);
      }
      return id;
    } catch (e) {
      return uuid();
    }
  }

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
    this.anonymousId = storedAnonymousId(global.localStorage);
    this.userId = null;
    this.queue = [];
    this.timer = null;
    this.inFlight = 0;
    this.onResult = options.onResult || function () {};
  }

  Tracker.prototype.identify = function (userId) {
    this.userId = userId || null;
  };

  /** Queues an event of schema vendor/name/x-y-z with its data; returns its event_id. */
  Tracker.prototype.track = function (schema, data) {
    var event = {
      event_id: uuid(),
      schema: schema,
      event_time: new Date().toISOString(),
      source: this.source,
      anonymous_id: this.anonymousId,
      data: data || {}
    };
    if (this.userId) event.user_id = this.userId;
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

  /** Sends everything queued now; resolves when the collector has answered (or retries gave up). */
  Tracker.prototype.flush = function () {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.queue.length === 0) return Promise.resolve();
    var batch = this.queue.splice(0, this.queue.length);
    return this.send(batch, 0);
  };

  Tracker.prototype.send = function (batch, attempt) {
    var self = this;
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
        self.onResult({ status: response.status, body: body, events: batch.length });
      });
    }).catch(function (error) {
      if (attempt >= self.maxRetries) {
        self.onResult({ status: 0, error: String(error), events: batch.length });
        return;
      }
      var delay = Math.min(30000, 250 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      return new Promise(function (resolve) { setTimeout(resolve, delay); })
        .then(function () { return self.send(batch, attempt + 1); });
    }).then(function () { self.inFlight--; }, function () { self.inFlight--; });
  };

  /** Sends button_click for clicks on elements with data-track (its value names the element). */
  Tracker.prototype.trackClicks = function () {
    var self = this;
    var doc = global.document;
    if (!doc || !doc.addEventListener) return;
    doc.addEventListener("click", function (e) {
      var el = e.target;
      while (el && el.getAttribute && !el.getAttribute("data-track")) el = el.parentNode;
      if (el && el.getAttribute) self.click(el.getAttribute("data-track"), (el.textContent || "").trim());
    }, true);
    doc.addEventListener("visibilitychange", function () {
      if (doc.visibilityState === "hidden") self.flush();
    });
  };

  global.NoExcusesTracker = {
    init: function (options) {
      var t = new Tracker(options);
      t.trackClicks();
      return t;
    }
  };
})(typeof window !== "undefined" ? window : globalThis);
