// Parley front end: live queue rows over the websocket, ticking SLA countdowns, composer hints.
(function () {
  "use strict";

  function humanize(ms) {
    var s = Math.round(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var text = h ? h + "h " + m + "m" : m ? m + "m " + sec + "s" : sec + "s";
    return ms < 0 ? text + " overdue" : text;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var ms = Date.parse(el.dataset.due) - now;
      el.textContent = humanize(ms);
      el.classList.toggle("overdue", ms < 0);
    });
    document.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = humanize(now - Date.parse(el.dataset.since)).replace(" overdue", "");
    });
  }

  function placeRow(tbody, html, id) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    var row = tpl.content.firstElementChild;
    var old = document.getElementById("conv-" + id);
    if (old) old.remove();
    var empty = tbody.querySelector("tr.empty");
    if (empty) empty.remove();
    var key = row.dataset.sort;
    var rows = tbody.querySelectorAll("tr.row");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].dataset.sort > key) { tbody.insertBefore(row, rows[i]); return; }
    }
    var more = tbody.querySelector("#queue-more");
    // Past the loaded page a row belongs to a later page: leave it to "More".
    if (!more) tbody.appendChild(row);
  }

  function connect(path, onMessage, stateEl) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var delay = 500;
    function open() {
      var ws = new WebSocket(scheme + location.host + path);
      ws.onopen = function () {
        if (stateEl) stateEl.textContent = "live";
        if (delay > 500 && onMessage.reconnected) onMessage.reconnected();
        delay = 500;
      };
      ws.onmessage = function (e) { onMessage(JSON.parse(e.data)); };
      ws.onclose = function () {
        if (stateEl) stateEl.textContent = "reconnecting…";
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 10000);
      };
    }
    open();
  }

  function initQueue(section) {
    var tbody = document.getElementById("queue-rows");
    var handler = function (msg) {
      if (msg.kind === "row") placeRow(tbody, msg.html, msg.id);
      else if (msg.kind === "remove") {
        var old = document.getElementById("conv-" + msg.id);
        if (old) old.remove();
      }
      tick();
    };
    // After a dropped connection, reload the visible rows to catch up on what was missed.
    handler.reconnected = function () {
      fetch(location.href, { headers: { "HX-Request": "true" } }).then(function (r) { return r.text(); }).then(function () {
        location.reload();
      });
    };
    connect(section.dataset.ws, handler, document.getElementById("live-state"));
  }

  function initConversation(section) {
    connect(section.dataset.ws, function (msg) {
      if (msg.kind === "changed") {
        var typing = document.getElementById("reply-text");
        if (typing && typing.value) return; // never throw away a reply being typed
        location.reload();
      }
    });
    var text = document.getElementById("reply-text"), counter = document.getElementById("reply-counter");
    if (text && counter && text.dataset.max) {
      var update = function () {
        var left = parseInt(text.dataset.max, 10) - text.value.length;
        counter.textContent = left + " characters left";
        counter.classList.toggle("over", left < 0);
      };
      text.addEventListener("input", update);
      update();
    }
    var form = document.getElementById("reply-form");
    if (form) form.addEventListener("submit", function () {
      var button = document.getElementById("send-reply");
      setTimeout(function () { button.disabled = true; button.textContent = "Sending…"; }, 0);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    var queue = document.querySelector("section.queue[data-ws]");
    if (queue) initQueue(queue);
    var conv = document.querySelector("section.conversation[data-ws]");
    if (conv) initConversation(conv);
  });
})();
