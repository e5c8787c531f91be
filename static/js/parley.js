// Parley front end. No inline scripts anywhere (CSP): everything hooks in from here.
// Live queue rows and conversation fragments over the websocket, swapped in place (never a page
// reload, so scroll position and a reply being typed survive), ticking SLA countdowns, presence
// and typing, composer hints, canned responses, keyboard shortcuts.
(function () {
  "use strict";

  function humanize(ms) {
    var s = Math.round(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + m + "m";
    if (m) return m + "m " + sec + "s";
    return sec + "s";
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // One polite live region per page: what changed out of sight is said, focus stays put.
  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region || !text) return;
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 50);
  }

  // Times written in the browser are in the user's zone (User.time_zone, on <body>), zone named.
  var zoneFormat = null;
  function localTime(iso) {
    if (!zoneFormat) {
      var zone = document.body.dataset.tz || undefined;
      try { zoneFormat = new Intl.DateTimeFormat("en-GB", { timeZone: zone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short" }); }
      catch (e) { zoneFormat = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short" }); }
    }
    return zoneFormat.format(new Date(iso));
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]:not([title])").forEach(function (el) { el.title = "Due " + localTime(el.dataset.due); });
    document.querySelectorAll("[data-since]:not([title])").forEach(function (el) { el.title = "Waiting since " + localTime(el.dataset.since); });
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var ms = Date.parse(el.dataset.due) - now;
      // Overdue is said in words as well as colour.
      el.textContent = ms < 0 ? humanize(ms) + " overdue" : humanize(ms) + " left";
      el.classList.toggle("overdue", ms < 0);
    });
    document.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = humanize(now - Date.parse(el.dataset.since));
    });
  }

  function fromHtml(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    return tpl.content;
  }

  function activate(el) {
    if (window.htmx && el) window.htmx.process(el);
  }

  // Keep what the agent is looking at where it is while rows come and go above it.
  function keepScroll(change) {
    var anchor = null, top = 0;
    if (window.scrollY > 0) {
      var rows = document.querySelectorAll("#queue-rows tr.row");
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i].getBoundingClientRect();
        if (r.bottom > 0) { anchor = rows[i]; top = r.top; break; }
      }
    }
    change();
    if (anchor && anchor.isConnected) window.scrollBy(0, anchor.getBoundingClientRect().top - top);
  }

  function connect(path, handler, stateEl) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var delay = 500, opened = false, ws = null, pinger = null;
    function open() {
      ws = new WebSocket(scheme + location.host + path);
      ws.onopen = function () {
        if (stateEl) { stateEl.textContent = "live"; stateEl.classList.remove("down"); }
        document.body.dataset.live = "1";
        if (opened && handler.reconnected) handler.reconnected();
        opened = true;
        delay = 500;
        pinger = setInterval(function () { send({ type: "ping" }); }, 30000);
        if (handler.opened) handler.opened();
      };
      ws.onmessage = function (e) { handler.message(JSON.parse(e.data)); };
      ws.onclose = function () {
        document.body.dataset.live = "0";
        if (stateEl) { stateEl.textContent = "reconnecting…"; stateEl.classList.add("down"); }
        if (pinger) clearInterval(pinger);
        var wait = delay;
        delay = Math.min(delay * 2, 8000);
        (function retry() {
          // window.parleyHoldReconnect lets a test keep the page offline for a while.
          if (window.parleyHoldReconnect) setTimeout(retry, 100); else setTimeout(open, wait);
        })();
      };
    }
    function send(obj) {
      if (ws && ws.readyState === 1) ws.send(JSON.stringify(obj));
    }
    open();
    window.parleySocket = { send: send, close: function () { if (ws) ws.close(); } };
    return { send: send };
  }

  // --- queue ---------------------------------------------------------------------------------

  function placeRow(tbody, html, id) {
    var row = fromHtml(html).firstElementChild;
    var old = document.getElementById("conv-" + id);
    var wasSelected = old && old.classList.contains("selected");
    if (old) old.remove();
    var empty = tbody.querySelector("tr.empty");
    if (empty) empty.remove();
    if (wasSelected) row.classList.add("selected");
    var key = row.dataset.sort;
    var rows = tbody.querySelectorAll("tr.row");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].dataset.sort > key) { tbody.insertBefore(row, rows[i]); return; }
    }
    // Past the loaded page a row belongs to a later page: leave it to "More".
    if (!tbody.querySelector("#queue-more")) tbody.appendChild(row);
  }

  function swapById(html) {
    var frag = fromHtml(html);
    // A live refresh must not take focus from the agent: a focused control with an id (the next
    // conversation link, the reply box) is focused again in its fresh copy.
    var focused = document.activeElement && document.activeElement.id;
    Array.prototype.slice.call(frag.children).forEach(function (el) {
      var old = el.id && document.getElementById(el.id);
      if (old) { old.replaceWith(el); activate(el); }
    });
    var again = focused && document.getElementById(focused);
    if (again && document.activeElement !== again && (!document.activeElement || document.activeElement === document.body)) again.focus();
  }

  function initQueue(section) {
    var tbody = document.getElementById("queue-rows");
    var handler = {
      message: function (msg) {
        if (msg.kind === "row" || msg.kind === "remove") {
          keepScroll(function () {
            if (msg.kind === "row") {
              var isNew = !document.getElementById("conv-" + msg.id);
              placeRow(tbody, msg.html, msg.id);
              var row = document.getElementById("conv-" + msg.id);
              if (isNew && row) announce("New in the queue: " + (row.dataset.announce || "a conversation"));
            }
            else { var old = document.getElementById("conv-" + msg.id); if (old) old.remove(); }
          });
          if (msg.counts) swapById(msg.counts);
          tick();
          document.dispatchEvent(new CustomEvent("parley:queue-updated", { detail: msg }));
        }
      },
      // After a dropped connection, re-read the loaded rows and the counts: what changed meanwhile.
      reconnected: function () {
        var loaded = Math.max(tbody.querySelectorAll("tr.row").length, 50);
        var url = new URL(location.href);
        url.searchParams.delete("after");
        url.searchParams.set("fragment", "rows");
        url.searchParams.set("limit", String(loaded));
        var selected = tbody.querySelector("tr.selected");
        var selectedId = selected ? selected.id : null;
        fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) {
            keepScroll(function () {
              tbody.innerHTML = html;
              activate(tbody);
              if (selectedId && document.getElementById(selectedId)) document.getElementById(selectedId).classList.add("selected");
            });
            tick();
          });
        fetch(location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (page) {
          var doc = new DOMParser().parseFromString(page, "text/html");
          var counts = doc.getElementById("queue-counts");
          if (counts) swapById(counts.outerHTML);
        });
      },
    };
    connect(section.dataset.ws, handler, document.getElementById("live-state"));
  }

  // --- conversation --------------------------------------------------------------------------

  function initConversation(section) {
    var viewers = {}, typers = {}, socket = null, refreshTimer = null;

    function seenId() {
      var el = document.querySelector("#reply-form [name=seen_outbound_id]");
      return el ? el.value : "";
    }

    function refresh() {
      // Coalesce bursts (a send pushes several events) into one fetch of the changing parts.
      if (refreshTimer) return;
      refreshTimer = setTimeout(function () {
        refreshTimer = null;
        var url = section.dataset.liveUrl + "?seen=" + encodeURIComponent(seenId());
        fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) {
            var before = document.querySelectorAll("#thread li.msg-in").length;
            swapById(html);
            tick();
            var incoming = document.querySelectorAll("#thread li.msg-in");
            if (incoming.length > before) {
              var last = incoming[incoming.length - 1];
              announce("New message from " + (last.dataset.author || "the customer"));
            }
            followSentNotice();
            document.dispatchEvent(new CustomEvent("parley:conversation-updated"));
          });
      }, 60);
    }

    function renderPresence() {
      var names = {};
      Object.keys(viewers).forEach(function (k) { names[viewers[k]] = true; });
      var list = Object.keys(names);
      document.getElementById("viewers").textContent = list.length ? "Also viewing: " + list.join(", ") + "." : "";
      var typing = Object.keys(typers).map(function (k) { return typers[k].name; });
      document.getElementById("typing").textContent = typing.length ? typing.join(", ") + (typing.length > 1 ? " are" : " is") + " typing a reply…" : "";
    }

    socket = connect(section.dataset.ws, {
      message: function (msg) {
        if (msg.kind === "changed") refresh();
        else if (msg.kind === "presence") {
          if (msg.action === "join" || msg.action === "here") viewers[msg.conn] = msg.name;
          else if (msg.action === "leave") { delete viewers[msg.conn]; delete typers[msg.user_id]; }
          else if (msg.action === "typing") {
            viewers[msg.conn] = msg.name;
            if (typers[msg.user_id]) clearTimeout(typers[msg.user_id].timer);
            typers[msg.user_id] = { name: msg.name, timer: setTimeout(function () { delete typers[msg.user_id]; renderPresence(); }, 5000) };
          } else if (msg.action === "stopped" && typers[msg.user_id]) {
            clearTimeout(typers[msg.user_id].timer); delete typers[msg.user_id];
          }
          renderPresence();
        }
      },
      opened: function () { viewers = {}; renderPresence(); },
      reconnected: refresh,
    }, document.getElementById("live-state"));

    var lastTyping = 0;
    document.addEventListener("input", function (e) {
      if (e.target.id === "reply-text") {
        updateCounter();
        var now = Date.now();
        if (now - lastTyping > 2000) { lastTyping = now; socket.send({ type: "typing" }); }
      }
    });
    document.addEventListener("change", function (e) {
      if (e.target.id === "reply-visibility") { togglePublicNote(); updateCounter(); }
    });
    document.addEventListener("click", function (e) {
      var pick = e.target.closest && e.target.closest(".canned-pick");
      if (pick) {
        var text = document.getElementById("reply-text");
        var start = text.selectionStart || 0, end = text.selectionEnd || 0;
        text.value = text.value.slice(0, start) + pick.dataset.insert + text.value.slice(end);
        text.focus();
        updateCounter();
      }
    });
    document.body.addEventListener("htmx:afterSwap", function (e) {
      updateCounter(); togglePublicNote(); tick();
      // After a send the composer is new: the cursor goes back into it, ready for the next reply.
      if (e.detail.target && e.detail.target.id === "composer") {
        var text = document.getElementById("reply-text");
        var anyway = document.getElementById("send-anyway");
        if (anyway) anyway.focus(); else if (text) text.focus();
        followSentNotice();
      }
    });
    // Resolving replaces the header and its Resolve button with it, which drops focus to the page:
    // it goes to what comes next instead, the next conversation in the queue (or Reopen).
    // Assigning or setting the priority replaces the header too: focus returns to the same control
    // (the form it was in, found by its action, and the control's name).
    var focusedControl = null;
    document.body.addEventListener("htmx:beforeRequest", function () {
      var el = document.activeElement, form = el && el.form;
      focusedControl = form && form.closest("header, .conv-head") && el.name !== "status"
        ? { action: form.getAttribute("action"), tag: el.tagName.toLowerCase(), name: el.name }
        : null;
    });
    document.body.addEventListener("htmx:oobAfterSwap", function () {
      if (document.activeElement && document.activeElement !== document.body) return;
      var same = null;
      if (focusedControl) {
        var form = document.querySelector('form[action="' + focusedControl.action + '"]');
        same = form && form.querySelector(focusedControl.tag + (focusedControl.name ? '[name="' + focusedControl.name + '"]' : ""));
      }
      var next = same || document.getElementById("next-conversation") || document.getElementById("reopen");
      if (next) next.focus();
    });
    // A notice is true until the next thing the agent does: typing a new reply, or any other action.
    document.addEventListener("input", function (e) { if (e.target.id === "reply-text") dropSentNotice(); });
    document.body.addEventListener("htmx:beforeRequest", function (e) {
      if (e.detail.elt && e.detail.elt.closest && !e.detail.elt.closest("#composer")) dropSentNotice();
    });
    document.body.addEventListener("htmx:beforeRequest", function (e) {
      if (e.detail.elt && e.detail.elt.id === "reply-form") { lastTyping = 0; socket.send({ type: "stopped" }); }
    });
    updateCounter();
    togglePublicNote();
    if (location.hash === "#reply") focusReply();
  }

  function updateCounter() {
    var text = document.getElementById("reply-text"), counter = document.getElementById("reply-counter");
    if (!text || !counter || !text.dataset.max) return;
    var vis = document.getElementById("reply-visibility");
    // The limit shown is the one for replies of the conversation's own visibility.
    if (vis && text.dataset.maxFor && vis.value !== text.dataset.maxFor) { counter.textContent = ""; counter.classList.remove("over"); return; }
    var value = text.value;
    // X counts every link as 23 characters (t.co) and wide characters as 2; the server checks exactly.
    if (text.dataset.weighted) value = value.replace(/https?:\/\/\S+/g, "x".repeat(23)).replace(/[\u1100-\uffff]|[\ud800-\udbff][\udc00-\udfff]/g, "xx");
    var left = parseInt(text.dataset.max, 10) - value.length;
    counter.textContent = left >= 0 ? plural(left, "character") + " left" : plural(-left, "character") + " over the limit";
    counter.classList.toggle("over", left < 0);
  }

  // "Reply queued" becomes what happened to that reply (sent, delivered, failed) as the thread learns it.
  var DELIVERY_WORDS = { queued: "Reply queued for delivery.", sending: "Sending your reply…", sent: "Reply sent.",
    delivered: "Reply delivered.", read: "Reply read by the customer.", failed: "Reply not sent: see the reason in the thread." };
  function followSentNotice() {
    var notice = document.getElementById("composer-sent");
    if (!notice) return;
    var msg = document.getElementById("msg-" + notice.dataset.message);
    var state = msg && msg.dataset.delivery;
    if (state && DELIVERY_WORDS[state] && notice.textContent !== DELIVERY_WORDS[state]) {
      notice.textContent = DELIVERY_WORDS[state];
      notice.classList.toggle("error", state === "failed");
      notice.classList.toggle("ok", state !== "failed");
    }
  }
  function dropSentNotice() {
    var notice = document.getElementById("composer-sent");
    if (notice) notice.remove();
  }

  function togglePublicNote() {
    var composer = document.getElementById("composer"), vis = document.getElementById("reply-visibility");
    var wrap = document.getElementById("public-note-wrap");
    if (!composer || !vis || !wrap) return;
    wrap.hidden = !(composer.dataset.convVisibility === "public" && vis.value === "private");
  }

  function focusReply() {
    var text = document.getElementById("reply-text");
    if (text) { text.focus(); text.scrollIntoView({ block: "center" }); }
  }

  // --- at-risk list (supervisors) -----------------------------------------------------------

  function initAtRisk(section) {
    connect(section.dataset.ws, {
      message: function (m) {
        if (m.kind !== "at_risk") return;
        var rows = document.getElementById("at-risk-rows");
        rows.replaceChildren(fromHtml(m.html));
        document.getElementById("at-risk-number").textContent = m.count;
        tick();
        if (m.said) announce(m.said);
      },
    }, document.getElementById("at-risk-live"));
  }

  // --- keyboard ------------------------------------------------------------------------------

  function moveSelection(step) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue-rows tr.row"));
    if (!rows.length) return;
    var current = rows.findIndex(function (r) { return r.classList.contains("selected"); });
    var next = current < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, current + step));
    rows.forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
    rows[next].classList.add("selected");
    rows[next].setAttribute("aria-selected", "true");
    rows[next].scrollIntoView({ block: "nearest" });
  }

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target, tag = t.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || t.isContentEditable) {
      if (e.key === "Escape") t.blur();
      return;
    }
    if ((tag === "A" || tag === "BUTTON") && e.key === "Enter") return; // the focused control's own Enter
    if (document.querySelector("dialog[open]") && e.key !== "?") return;
    var selected = document.querySelector("#queue-rows tr.selected");
    if (e.key === "/") {
      var box = document.getElementById("global-search");
      if (box) { box.focus(); box.select(); e.preventDefault(); }
    } else if (e.key === "j") { moveSelection(1); e.preventDefault(); }
    else if (e.key === "k") { moveSelection(-1); e.preventDefault(); }
    else if (e.key === "Enter" && selected) { location.href = selected.dataset.href; e.preventDefault(); }
    else if (e.key === "r") {
      if (document.getElementById("reply-text")) focusReply();
      else if (selected) location.href = selected.dataset.href + "#reply";
      e.preventDefault();
    } else if (e.key === "e") {
      var resolve = document.getElementById("resolve");
      if (resolve) { resolve.click(); e.preventDefault(); }
    } else if (e.key === "?") {
      var dialog = document.getElementById("shortcuts");
      if (dialog && !dialog.open) dialog.showModal();
      e.preventDefault();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    document.addEventListener("keydown", onKey);
    var help = document.getElementById("show-shortcuts");
    if (help) help.addEventListener("click", function () { document.getElementById("shortcuts").showModal(); });
    document.body.addEventListener("htmx:afterSwap", tick);
    var queue = document.querySelector("section.queue[data-ws]");
    if (queue) initQueue(queue);
    var conv = document.querySelector("section.conversation[data-ws]");
    if (conv) initConversation(conv);
    var risk = document.querySelector("section.at-risk[data-ws]");
    if (risk) initAtRisk(risk);
  });
})();
