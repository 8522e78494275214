// Plenary live updates: the htmx websocket extension swaps pushed HTML fragments; this file
// keeps the numbered streams whole. Each pushed fragment names its stream and sequence
// number (data-stream, data-seq). A duplicate is dropped; a gap (a push lost by Redis, or a
// reconnect) asks the server to replay from the last number seen, out of the database.
(function () {
  "use strict";

  function lastSeq(stream) {
    var max = 0;
    document.querySelectorAll('[data-stream="' + stream + '"] [data-seq]').forEach(function (el) {
      var n = parseInt(el.getAttribute("data-seq"), 10);
      if (n > max) max = n;
    });
    return max;
  }

  function streams() {
    var out = {};
    document.querySelectorAll("[data-stream]").forEach(function (el) {
      if (!el.hasAttribute("data-seq")) {
        var name = el.getAttribute("data-stream");
        out[name] = lastSeq(name);
      }
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

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var text = event.detail.message;
    if (typeof text !== "string" || text.charAt(0) === "{") {
      event.preventDefault(); // JSON control messages (pong, errors) are not HTML to swap
      return;
    }
    var doc = new DOMParser().parseFromString("<body>" + text + "</body>", "text/html");
    var pushes = doc.body.querySelectorAll(":scope > [data-stream][data-seq]");
    for (var i = 0; i < pushes.length; i++) {
      var el = pushes[i];
      var stream = el.getAttribute("data-stream");
      var seq = parseInt(el.getAttribute("data-seq"), 10);
      var have = lastSeq(stream);
      if (seq <= have) {
        event.preventDefault(); // already shown (the replay and a live push crossed)
        return;
      }
      if (seq > have + 1) {
        event.preventDefault(); // a gap: replay from the database, in order
        resume(event.detail.socketWrapper);
        return;
      }
    }
  });

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
})();

// Destructive buttons ask first (data-confirm): CSP allows no inline handlers.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var text = button && button.getAttribute("data-confirm");
  if (text && !window.confirm(text)) event.preventDefault();
});
