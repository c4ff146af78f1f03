/* Consent manager: applies the visitor's choice in the browser, so pages stay identical for
   everyone and returning visitors cost no request. Nothing optional loads before consent. */
(function () {
  "use strict";
  // Only what came with this script, never ids found anywhere: its parent has our nonce.
  var d = document, w = window, me = d.currentScript || {}, nonce = me.nonce, root = me.parentNode;
  if (!root || root.getAttribute("data-cc-nonce") !== nonce) return;
  var cfg = JSON.parse(root.querySelector("#cc-config").textContent);
  var dialog = root.querySelector("#cc-dialog");
  var gpc = navigator.globalPrivacyControl === true;
  var banner, opener, active = {};
  var $$ = function (el, sel) { return Array.prototype.slice.call(el.querySelectorAll(sel)); };

  // Google Consent Mode v2: all seven signals denied before any Google tag can exist.
  w.dataLayer = w.dataLayer || [];
  function gtag() { w.dataLayer.push(arguments); }
  w.gtag = w.gtag || gtag;
  var MAP = {
    statistics: ["analytics_storage"],
    marketing: ["ad_storage", "ad_user_data", "ad_personalization"],
    preferences: ["functionality_storage", "personalization_storage"]
  };
  function signals(groups) {
    var s = { security_storage: groups ? "granted" : "denied" };
    Object.keys(MAP).forEach(function (c) {
      MAP[c].forEach(function (k) { s[k] = groups && groups[c] ? "granted" : "denied"; });
    });
    return s;
  }
  var defaults = signals(null);
  defaults.wait_for_update = 500;
  gtag("consent", "default", defaults);

  // The signed state cookie: Django signing "base64(json):time:signature". Anything that
  // does not parse, has expired or predates a category or policy change is no decision.
  function readState() {
    var m = d.cookie.match(new RegExp("(?:^|; )" + cfg.cookie + "=([^;]*)")), st;
    if (!m) return null;
    try {
      var b = m[1].replace(/"/g, "").split(":")[0].replace(/-/g, "+").replace(/_/g, "/");
      st = JSON.parse(atob(b));
    } catch (e) { return null; }
    if (!st || typeof st.id != "string" || typeof st.e != "number" || typeof st.g != "object"
        || st.e * 1000 < Date.now()) return null;
    return st;
  }
  function current(st) {
    return !!st && (st.r || 0) >= cfg.revision && cfg.categories.every(function (c) {
      return c.key in st.g && ((st.v || {})[c.key] || 0) >= c.version;
    });
  }
  function runs(st, s) { return !!(st && st.g[s.category] && st.s && st.s[s.key]); }

  function addScript(src) {
    var s = d.createElement("script");
    s.async = true; s.src = src; if (nonce) s.nonce = nonce;
    d.head.appendChild(s);
  }
  var GT = "https://www.googletagmanager.com/";
  var LOAD = {
    ga4: function (id) { addScript(GT + "gtag/js?id=" + id); gtag("js", new Date()); gtag("config", id); },
    gtm: function (id) { w.dataLayer.push({ "gtm.start": Date.now(), event: "gtm.js" }); addScript(GT + "gtm.js?id=" + id); },
    meta_pixel: function (id) {
      var f = w.fbq = function () { f.callMethod ? f.callMethod.apply(f, arguments) : f.queue.push(arguments); };
      w._fbq = w._fbq || f; f.push = f; f.loaded = true; f.version = "2.0"; f.queue = [];
      addScript("https://connect.facebook.net/en_US/fbevents.js");
      f("init", id); f("track", "PageView");
    },
    custom: function (id, key) {
      $$(root, 'template[data-cc-service="' + key + '"]').forEach(function (t) {
        var frag = t.content.cloneNode(true);
        $$(frag, "script").forEach(function (old) {
          var s = d.createElement("script");
          Array.prototype.forEach.call(old.attributes, function (a) { s.setAttribute(a.name, a.value); });
          s.text = old.text; if (nonce) s.nonce = nonce;
          old.parentNode.replaceChild(s, old);
        });
        t.parentNode.insertBefore(frag, t);
      });
    }
  };
  LOAD.google_ads = LOAD.ga4;

  function apply(st) {
    gtag("consent", "update", signals(st.g));
    cfg.services.forEach(function (s) {
      if (runs(st, s) && !active[s.key] && LOAD[s.type]) { active[s.key] = 1; LOAD[s.type](s.id, s.key); }
    });
  }

  // Withdrawal: delete the declared cookies (patterns, host and parent-domain variants) and
  // storage keys of the services switched off, then reload so their running code stops.
  function clean(services) {
    var parts = location.hostname.split("."), doms = [""], i;
    for (i = 0; i < parts.length - 1; i++) { doms.push(parts.slice(i).join("."), "." + parts.slice(i).join(".")); }
    function rx(p) { return new RegExp("^" + p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*") + "$"); }
    services.forEach(function (s) {
      s.cookies.forEach(function (p) {
        d.cookie.split("; ").forEach(function (c) {
          var n = c.split("=")[0];
          if (rx(p).test(n)) doms.forEach(function (dm) { d.cookie = n + "=; Max-Age=0; path=/" + (dm ? "; domain=" + dm : ""); });
        });
      });
      [w.localStorage, w.sessionStorage].forEach(function (store) {
        for (i = store.length - 1; i >= 0; i--) {
          var k = store.key(i);
          if (s.storage.some(function (p) { return rx(p).test(k); })) store.removeItem(k);
        }
      });
    });
  }

  function submit(form, action) {
    var data = new FormData(form), st = readState(), on = data.getAll("categories"), sv = data.getAll("service_on");
    data.set("action", action);
    if (gpc) data.set("gpc", "1");
    var gone = current(st) ? cfg.services.filter(function (s) {
      var now = action == "accept_all" ? !(gpc && s.category == "marketing" && on.indexOf("marketing") < 0)
        : action == "save" && on.indexOf(s.category) >= 0 && sv.indexOf(s.key) >= 0;
      return runs(st, s) && !now;
    }) : [];
    if (gone.length) { data.set("method", "withdrawal"); clean(gone); }
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw r;
        if (gone.length) { location.reload(); return; }
        if (banner) { banner.parentNode.removeChild(banner); banner = null; }
        if (dialog.open) dialog.close();
        st = readState(); if (st) apply(st);
      })
      .catch(function () {
        // Posting as a plain form still records the choice (and shows why, e.g. a 429).
        [["action", action], ["method", data.get("method")]].forEach(function (f) {
          var i = d.createElement("input"); i.type = "hidden"; i.name = f[0]; i.value = f[1];
          form.appendChild(i);
        });
        HTMLFormElement.prototype.submit.call(form);
      });
  }
  function wire(form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      submit(form, (e.submitter || {}).value || "save");
    });
  }

  function openDialog(e) {
    if (e) e.preventDefault();
    opener = d.activeElement;
    var st = readState(), ok = current(st);
    $$(dialog, "[data-cc-category]").forEach(function (b) { b.checked = ok && !!st.g[b.value]; });
    $$(dialog, "[data-cc-service-switch]").forEach(function (b) {
      b.checked = ok && runs(st, { category: b.getAttribute("data-cc-parent"), key: b.value });
    });
    dialog.querySelector(".cc-gpc").hidden = !gpc;
    dialog.showModal();
  }
  dialog.addEventListener("close", function () { if (opener && opener.focus) opener.focus(); });
  dialog.addEventListener("change", function (e) {
    var b = e.target, cat = b.getAttribute("data-cc-category"), parent = b.getAttribute("data-cc-parent");
    if (cat) $$(dialog, '[data-cc-parent="' + cat + '"]').forEach(function (s) { s.checked = b.checked; });
    if (parent && b.checked) dialog.querySelector('[data-cc-category="' + parent + '"]').checked = true;
  });
  d.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-cc-open]")) openDialog(e);
  });
  wire(dialog.querySelector("form"));

  var state = readState();
  if (current(state)) apply(state);
  else if (cfg.categories.length) {
    var frag = root.querySelector("#cc-banner-template").content.cloneNode(true);
    banner = frag.firstElementChild;
    d.body.appendChild(frag);
    wire(banner.querySelector("form"));
    banner.querySelector("h2").focus();
  }
})();
