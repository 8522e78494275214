// The caucus room: channel tabs, unread counts, a notification sound the user can turn
// off, presence dots, and reloading the channel list when the server says it changed.
(function () {
  "use strict";

  var store = window.localStorage;
  function readKey(id) { return "plenary:read:" + id; }
  function soundOn() { return store.getItem("plenary:sound") !== "off"; }

  function activeId() {
    var panel = document.getElementById("caucus-panel");
    return panel ? panel.getAttribute("data-active") : "";
  }

  function lastSeqOf(id) {
    var max = 0;
    document.querySelectorAll("#messages-" + id + " [data-seq]").forEach(function (el) {
      var n = parseInt(el.getAttribute("data-seq"), 10);
      if (n > max) max = n;
    });
    var tab = document.querySelector('[data-channel-tab="' + id + '"]');
    var listed = tab ? parseInt(tab.getAttribute("data-last-seq") || "0", 10) : 0;
    return Math.max(max, listed);
  }

  function markRead(id) {
    store.setItem(readKey(id), String(lastSeqOf(id)));
    badge(id);
  }

  // A channel this browser has not seen before starts read when the page loads (its history
  // is not news), but unread when it arrives while the page is open (a room one was just
  // invited to, with the message that came with it).
  function badge(id, arrived) {
    var el = document.querySelector('[data-unread="' + id + '"]');
    if (!el) return;
    var seen = store.getItem(readKey(id));
    if (seen === null) { seen = arrived ? 0 : lastSeqOf(id); store.setItem(readKey(id), String(seen)); }
    var unread = Math.max(0, lastSeqOf(id) - parseInt(seen, 10));
    el.textContent = unread ? String(unread) : "";
    el.hidden = unread === 0;
    el.setAttribute("aria-label", unread + " unread");
  }

  function show(id) {
    var panel = document.getElementById("caucus-panel");
    if (!panel) return;
    panel.setAttribute("data-active", id);
    document.querySelectorAll(".channel-box").forEach(function (box) {
      box.hidden = box.id !== "channel-box-" + id;
    });
    document.querySelectorAll("[data-channel-tab]").forEach(function (tab) {
      if (tab.getAttribute("data-channel-tab") === id) tab.setAttribute("aria-current", "true");
      else tab.removeAttribute("aria-current");
    });
    var url = new URL(window.location.href);
    url.searchParams.set("channel", id);
    window.history.replaceState(null, "", url);
    markRead(id);
    var feed = document.getElementById("messages-" + id);
    if (feed) feed.scrollTop = feed.scrollHeight;
  }

  var lastBeep = 0;
  function beep() {
    // One beep for a burst (a replay after reconnecting brings many messages at once).
    if (!soundOn() || Date.now() - lastBeep < 1500) return;
    lastBeep = Date.now();
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.05;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.12);
    } catch (e) { /* no audio: fine */ }
  }

  function presence() {
    var box = document.querySelector("[data-online]");
    if (!box) return;
    var online = (box.getAttribute("data-online") || "").split(",").filter(Boolean);
    document.querySelectorAll("[data-presence]").forEach(function (el) {
      var on = online.indexOf(el.getAttribute("data-presence")) >= 0;
      el.classList.toggle("online", on);
      el.setAttribute("title", on ? "online" : "offline");
    });
  }

  function reloadPanel() {
    var page = document.querySelector("[data-panel-url]");
    if (!page || !window.htmx) return;
    var url = page.getAttribute("data-panel-url") + "?channel=" + encodeURIComponent(activeId());
    window.htmx.ajax("GET", url, { target: "#caucus-panel", swap: "outerHTML" });
  }

  function init(arrived) {
    document.querySelectorAll("[data-channel-tab]").forEach(function (tab) { badge(tab.getAttribute("data-channel-tab"), arrived); });
    var id = activeId();
    if (id) markRead(id);
    presence();
    var toggle = document.getElementById("sound-toggle");
    if (toggle) toggle.checked = soundOn();
  }

  document.addEventListener("click", function (event) {
    var tab = event.target.closest && event.target.closest("[data-channel-tab]");
    if (!tab) return;
    event.preventDefault();
    show(tab.getAttribute("data-channel-tab"));
  });

  document.addEventListener("change", function (event) {
    if (event.target.id === "sound-toggle") store.setItem("plenary:sound", event.target.checked ? "on" : "off");
  });

  document.addEventListener("htmx:wsAfterMessage", function (event) {
    var text = event.detail.message || "";
    if (text.indexOf("data-refresh-committee") >= 0) reloadPanel();
    if (text.indexOf("presence-") >= 0) presence();
    var match = /data-channel="(\d+)"/.exec(text);
    if (match && text.indexOf("data-seq=") >= 0) {
      var id = match[1];
      if (id === activeId() && document.visibilityState === "visible") markRead(id);
      else { badge(id); beep(); }
    }
  });

  // A sent message comes back as a fresh form (an outerHTML swap, so the element htmx names
  // in its events is the old one): keep typing in the new one, as in any chat.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    var old = config && config.verb === "post" ? config.elt : null;
    if (!old || !old.classList || !old.classList.contains("post-form")) return;
    var form = document.getElementById(old.id);
    var field = form && form.querySelector("textarea");
    if (field) field.focus({ preventScroll: true });
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && activeId()) markRead(activeId());
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "caucus-panel") init(true);
  });
  document.addEventListener("DOMContentLoaded", function () { init(false); });
})();
