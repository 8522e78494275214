// Plenary live updates. The htmx websocket extension swaps pushed HTML fragments; this file
// keeps numbered streams whole, counts timers down from the server's deadlines, and
// announces them to screen readers.
//
// Streams: a container on the page has data-stream="<name>". An *append* stream (the lobby)
// holds children with data-seq; a push adds one (data-stream + data-seq on the push). A
// *snapshot* stream (a session's floor) carries data-stream-seq on the container and is
// replaced whole by a newer one (data-snapshot). A duplicate is dropped; a gap in an append
// stream asks the server to replay from the last number seen, out of the database.
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

  function streams() {
    var out = {};
    document.querySelectorAll("[data-stream]").forEach(function (el) {
      var name = el.getAttribute("data-stream");
      out[name] = lastSeq(name);
    });
    return out;
  }

  function resume(socket) {
    socket.send(JSON.stringify({ type: "resume", streams: streams() }));
  }

  function setStatus(state, text) {
    document.querySelectorAll(".live-status").forEach(function (el) {
      el.setAttribute("data-state", state);
      el.textContent = text;
    });
  }

  document.addEventListener("htmx:wsOpen", function (event) {
    setStatus("open", "Live");
    resume(event.detail.socketWrapper);
  });

  document.addEventListener("htmx:wsClose", function () {
    setStatus("closed", "Reconnecting…");
  });

  // Decide whether a pushed (or posted-back) fragment is new, old, or leaves a gap.
  function verdict(html) {
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    var items = doc.body.querySelectorAll(":scope > [data-stream]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var stream = el.getAttribute("data-stream");
      var have = lastSeq(stream);
      if (el.hasAttribute("data-snapshot")) {
        var snap = parseInt(el.getAttribute("data-stream-seq") || "0", 10);
        if (snap < have) return "old";
        continue;
      }
      if (!el.hasAttribute("data-seq")) continue;
      var seq = parseInt(el.getAttribute("data-seq"), 10);
      if (seq <= have) return "old";
      if (seq > have + 1) return "gap";
    }
    return "new";
  }

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
  });

  // An action's response is the floor as the server saw it: never swap it over a newer one.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && typeof xhr.responseText === "string" && verdict(xhr.responseText) === "old") {
      event.detail.shouldSwap = false;
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

  function tick() {
    var now = Date.now() + clockOffset;
    document.querySelectorAll("time.timer[data-deadline]").forEach(function (el) {
      var deadline = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(deadline)) return;
      var left = deadline - now;
      el.textContent = face(left);
      el.classList.toggle("ending", left <= 30000 && left > 0);
      el.classList.toggle("over", left <= 0);
      var label = el.getAttribute("data-label") || "Timer";
      var key = label + "@" + el.getAttribute("data-deadline");
      if (left <= 30000 && left > 28000 && !announced[key + "30"]) {
        announced[key + "30"] = true;
        announce(label + ": 30 seconds left.");
      }
      if (left <= 0 && left > -3000 && !announced[key + "0"]) {
        announced[key + "0"] = true;
        announce(label + ": time is up.");
      }
    });
  }

  // Controls only the delegation that has the floor may use (the server checks too).
  function speakerControls() {
    var page = document.querySelector("[data-my-delegation]");
    var mine = page ? page.getAttribute("data-my-delegation") : "";
    var chair = page && page.classList.contains("is-chair");
    document.querySelectorAll(".only-speaker").forEach(function (el) {
      el.hidden = !(chair || (mine && el.getAttribute("data-speaker") === mine));
    });
  }

  function refresh() { syncClock(); speakerControls(); tick(); }
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
})();
