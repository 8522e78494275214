// Plenary live updates. The htmx websocket extension swaps pushed HTML fragments; this file
// keeps numbered streams whole, counts timers down from the server's deadlines, and
// announces them to screen readers.
//
// Streams: a container on the page has data-stream="<name>". An *append* stream (the lobby)
// holds children with data-seq; a push adds one (data-stream + data-seq on the push). A
// session's floor is made of *parts* (data-part), each replaced on its own, out of band, by
// a push or an action's answer: a part carries the floor's version (data-version), and an
// older copy never replaces a newer one. A push also says which version it follows
// (data-since): a floor showing an older one missed a push. A duplicate is dropped; a gap
// asks the server to replay from the last number seen, out of the database.
(function () {
  "use strict";

  var clockOffset = 0; // server time minus this device's time, in ms
  var announced = {};

  function lastSeq(stream) {
    var max = 0;
    document.querySelectorAll('[data-stream="' + stream + '"]').forEach(function (box) {
      var own = parseInt(box.getAttribute("data-stream-seq") || "0", 10);
      if (own > max) max = own;
      box.querySelectorAll("[data-seq]").forEach(function (el) {
        var n = parseInt(el.getAttribute("data-seq"), 10);
        if (!box.hasAttribute("data-snapshot") && n > max) max = n;
      });
    });
    return max;
  }

  // A page marked data-follow-public (the projector) asks for the public variant of its
  // streams ("<name>:public"), so it never gets the chair's floor on the chair's laptop.
  function streams() {
    var out = {};
    document.querySelectorAll("[data-stream]").forEach(function (el) {
      var name = el.getAttribute("data-stream");
      out[el.closest("[data-follow-public]") ? name + ":public" : name] = lastSeq(name);
    });
    return out;
  }

  // At most one resume every half second (a burst of pushes that each show a gap asks
  // once, a moment later, for all of them): the server refuses a page that sends too much.
  var lastResume = 0;
  var resumeTimer = null;
  function resume(socket) {
    var wait = lastResume + 500 - Date.now();
    if (wait > 0) {
      if (!resumeTimer) {
        resumeTimer = setTimeout(function () { resumeTimer = null; resume(socket); }, wait);
      }
      return;
    }
    lastResume = Date.now();
    socket.send(JSON.stringify({ type: "resume", streams: streams() }));
  }

  function setStatus(state, text) {
    document.querySelectorAll(".live-status").forEach(function (el) {
      el.setAttribute("data-state", state);
      el.textContent = text;
    });
  }

  var socket = null;
  var followed = {};

  function follow() {
    // Ask to follow every stream on the page (new panels included); the server checks each.
    if (!socket) return;
    var now = streams();
    var fresh = Object.keys(now).some(function (name) { return !followed[name]; });
    followed = now;
    if (fresh) resume(socket);
  }

  window.Plenary = { follow: follow };

  // A sign of life every 25 s: keeps presence fresh and idle connections open through proxies.
  setInterval(function () {
    if (socket) {
      try { socket.send(JSON.stringify({ type: "ping" })); } catch (e) { /* reconnecting */ }
    }
  }, 25000);

  document.addEventListener("htmx:wsOpen", function (event) {
    setStatus("open", "Live");
    socket = event.detail.socketWrapper;
    followed = streams();
    resume(socket);
  });

  document.addEventListener("htmx:wsClose", function () {
    setStatus("closed", "Reconnecting…");
  });

  // The version of the floor a page shows: the newest of its parts (a delegation's own
  // fragments do not count: they come apart from the floor's pushes).
  function floorVersion(stream) {
    var max = 0;
    document.querySelectorAll('[data-part][data-stream="' + stream + '"]').forEach(function (el) {
      var v = parseInt(el.getAttribute("data-version") || "0", 10);
      if (v > max) max = v;
    });
    return max;
  }

  // Decide whether a pushed (or posted-back) fragment is new, old, or leaves a gap.
  function verdict(html) {
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    var items = doc.body.querySelectorAll(":scope > [data-stream]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var stream = el.getAttribute("data-stream");
      if (el.hasAttribute("data-since")) {
        // Floor parts: each is kept or dropped on its own (htmx:oobBeforeSwap below).
        if (parseInt(el.getAttribute("data-since"), 10) > floorVersion(stream)) return "gap";
        continue;
      }
      if (!el.hasAttribute("data-seq")) continue;
      var have = lastSeq(stream);
      var seq = parseInt(el.getAttribute("data-seq"), 10);
      if (seq <= have) return "old";
      if (seq > have + 1) return "gap";
    }
    return "new";
  }

  // A page's focus survives a pushed part that replaced the focused control (by its id).
  var focusedId = null;

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var text = event.detail.message;
    if (typeof text !== "string" || text.charAt(0) === "{") {
      event.preventDefault(); // JSON control messages (pong, errors) are not HTML to swap
      return;
    }
    var v = verdict(text);
    if (v === "old") event.preventDefault(); // already shown (a replay and a push crossed)
    if (v === "gap") {
      event.preventDefault();
      resume(event.detail.socketWrapper); // replay from the database, in order
    }
    var active = document.activeElement;
    focusedId = active && active !== document.body && active.id ? active.id : null;
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    var active = document.activeElement;
    if (focusedId && (!active || active === document.body)) {
      var el = document.getElementById(focusedId);
      if (el) el.focus({ preventScroll: true });
    }
  });

  // A part (or a delegation's fragment) no newer than the one shown is not swapped: a push
  // and the action's answer carry the same parts, and whichever comes second changes nothing.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var incoming = event.detail.fragment && event.detail.fragment.firstElementChild;
    var shown = event.detail.target;
    if (!incoming || !shown || !incoming.hasAttribute("data-version")) return;
    if (!shown.hasAttribute("data-version")) return;
    var newer = parseInt(incoming.getAttribute("data-version"), 10);
    if (newer <= parseInt(shown.getAttribute("data-version"), 10)) event.preventDefault();
  });

  // A chair's form carries the version of the floor it acts on: the version the page shows
  // now (a part untouched by the pushes since it was rendered is still current).
  document.addEventListener("htmx:configRequest", function (event) {
    var params = event.detail.parameters;
    var part = event.detail.elt.closest && event.detail.elt.closest("[data-part][data-stream]");
    if (!part || params.version === undefined) return;
    params.version = String(floorVersion(part.getAttribute("data-stream")));
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    // A 400 (an id or number that cannot be read) that brings its reason for the page's
    // error slot is shown there, like a 422 refusal.
    if (xhr && xhr.status === 400 && /^\s*<p id="action-error-/.test(xhr.responseText || "")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // --- timers ---------------------------------------------------------------------------
  function syncClock() {
    var floor = document.querySelector("[data-now]");
    if (floor) clockOffset = Date.parse(floor.getAttribute("data-now")) - Date.now();
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function face(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + ":" + pad(m) : m) + ":" + pad(sec);
  }

  function announce(text) {
    var region = document.getElementById("timer-announcer");
    if (region) region.textContent = text;
  }

  // Timers on screen that had not reached zero. The server usually ends a phase on time,
  // so the push that removes its timer can arrive before the countdown shows 0:00: a timer
  // that vanishes within a few seconds of its deadline is announced as up all the same.
  var running = {};

  function tick() {
    var now = Date.now() + clockOffset;
    var seen = {};
    document.querySelectorAll("time.timer[data-deadline]").forEach(function (el) {
      var deadline = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(deadline)) return;
      var left = deadline - now;
      el.textContent = face(left);
      el.classList.toggle("ending", left <= 30000 && left > 0);
      el.classList.toggle("over", left <= 0);
      var label = el.getAttribute("data-label") || "Timer";
      var key = label + "@" + el.getAttribute("data-deadline");
      seen[key] = true;
      if (left > 0) running[key] = { label: label, deadline: deadline };
      else delete running[key];
      if (left <= 30000 && left > 28000 && !announced[key + "30"]) {
        announced[key + "30"] = true;
        announce(label + ": 30 seconds left.");
      }
      if (left <= 0 && left > -3000 && !announced[key + "0"]) {
        announced[key + "0"] = true;
        announce(label + ": time is up.");
      }
    });
    Object.keys(running).forEach(function (key) {
      if (seen[key]) return;
      var timer = running[key];
      delete running[key];
      if (timer.deadline - now < 3000 && !announced[key + "0"]) {
        announced[key + "0"] = true;
        announce(timer.label + ": time is up.");
      }
    });
  }

  function refresh() { syncClock(); tick(); follow(); }
  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
  document.addEventListener("htmx:oobAfterSwap", refresh);
  document.addEventListener("htmx:wsAfterMessage", refresh);
  setInterval(tick, 250);

  // After an htmx form post, put the focus back in the emptied textarea.
  document.addEventListener("htmx:afterSwap", function (event) {
    var field = event.detail.target.querySelector && event.detail.target.querySelector("[data-autofocus]");
    if (field && event.detail.requestConfig && event.detail.requestConfig.verb === "post") field.focus();
  });

  // Links styled as buttons answer the Space key too, as a button would.
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.key === " " && el.matches && el.matches('a[role="button"]')) {
      event.preventDefault();
      el.click();
    }
  });

  // Enter sends, Shift+Enter makes a new line (as in every chat a student knows).
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key === "Enter" && !event.shiftKey && field.matches && field.matches("textarea[data-enter-submits]")) {
      event.preventDefault();
      if (field.form) field.form.requestSubmit();
    }
  });

  // Buttons that ask first (data-confirm): the CSP allows no inline handlers. htmx forms
  // ask through htmx:confirm, plain forms through submit.
  document.addEventListener("htmx:confirm", function (event) {
    var button = event.detail.elt.querySelector && event.detail.elt.querySelector("[data-confirm]");
    var text = button && button.getAttribute("data-confirm");
    if (text) {
      event.preventDefault();
      if (window.confirm(text)) event.detail.issueRequest(true);
    }
  });
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var text = button && button.getAttribute("data-confirm");
    if (text && !event.target.hasAttribute("hx-post") && !window.confirm(text)) event.preventDefault();
  });

  // After a successful action, the delegate's forms start empty again.
  // (A refusal is a 422 that htmx swaps and calls "successful": keep what was typed.)
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var xhr = event.detail.xhr;
    var ok = xhr && xhr.status >= 200 && xhr.status < 300;
    if (ok && elt && elt.hasAttribute && elt.hasAttribute("data-reset-on-success")) {
      elt.reset();
    }
  });

  // A refusal shows in the page's error slot until the next action, a click or Escape.
  function clearErrors() {
    document.querySelectorAll(".action-error").forEach(function (el) { el.textContent = ""; });
  }
  document.addEventListener("htmx:beforeRequest", clearErrors);
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".action-error")) clearErrors();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") clearErrors();
  });

  // --- what happened on the floor, read out -----------------------------------------------
  // The journal is a part replaced whole, so a live region inside it would announce
  // nothing; the newest entries go to a region that stays (#floor-announcer).
  var journalSeen = null;
  function announceJournal() {
    var region = document.getElementById("floor-announcer");
    if (!region) return;
    var fresh = [];
    var max = journalSeen || 0;
    document.querySelectorAll(".journal-feed li[data-seq]").forEach(function (li) {
      var seq = parseInt(li.getAttribute("data-seq"), 10);
      if (journalSeen !== null && seq > journalSeen) {
        var copy = li.cloneNode(true);
        copy.querySelectorAll(".meta").forEach(function (m) { m.remove(); });
        fresh.unshift(copy.textContent.trim());
      }
      if (seq > max) max = seq;
    });
    journalSeen = max;
    if (fresh.length) region.textContent = fresh.join(" ");
  }
  document.addEventListener("DOMContentLoaded", announceJournal);
  document.addEventListener("htmx:afterSettle", announceJournal);
  document.addEventListener("htmx:wsAfterMessage", announceJournal);
})();

// "Print this page" buttons (the CSP allows no inline handlers).
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});
