// Notifications: the header's bell kept live over /ws/notifications/, and the browser's own
// pop-up (Notification API) when the user allowed it. No inline scripts (CSP): loaded from base.html.
(function () {
  "use strict";
  var bell = document.getElementById("bell");
  if (!bell) return;

  function setCount(n) {
    var count = document.getElementById("bell-count");
    if (!count) return;
    count.textContent = String(n);
    count.classList.toggle("zero", !n);
    var link = bell.querySelector("a");
    if (link) link.setAttribute("aria-label", "Notifications, " + n + " unread");
  }

  function popUp(data) {
    if (!("Notification" in window) || Notification.permission !== "granted" || !data.text) return;
    try {
      var shown = new Notification("Parley", { body: data.text, tag: "parley-" + data.id });
      shown.onclick = function () { window.focus(); location.href = data.url; };
    } catch (e) { /* some browsers only allow it from a service worker */ }
  }

  function announce(data) {
    var live = document.getElementById("bell-live");
    if (live && data.text) live.textContent = data.text;
  }

  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var delay = 1000;
  function open() {
    var ws = new WebSocket(scheme + location.host + "/ws/notifications/");
    ws.onopen = function () { delay = 1000; bell.dataset.live = "1"; };
    ws.onmessage = function (e) {
      var data = JSON.parse(e.data);
      if (data.kind !== "notification") return;
      setCount(data.unread);
      if (data.id) { announce(data); popUp(data); }
      document.body.dispatchEvent(new CustomEvent("parley:notification", { detail: data }));
    };
    ws.onclose = function () {
      bell.dataset.live = "";
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  open();

  var ask = document.getElementById("enable-browser-notifications");
  var state = document.getElementById("browser-notifications-state");
  function showState() {
    if (!ask) return;
    if (!("Notification" in window)) { if (state) state.textContent = "This browser has no notifications."; return; }
    ask.hidden = Notification.permission !== "default";
    if (state) state.textContent = Notification.permission === "granted" ? "This browser shows them too." :
      Notification.permission === "denied" ? "This browser blocks them (see its site settings)." : "";
  }
  if (ask) {
    ask.addEventListener("click", function () { Notification.requestPermission().then(showState); });
    showState();
  }
})();
