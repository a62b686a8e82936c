/* skillcert proctor console and venue overview: forms marked data-api post JSON to the exam API; the room
 * (or the venue) is re-read every few seconds. No framework, no third-party code. */
(function () {
  "use strict";
  var API = "/api/exam/v1/";
  var T = JSON.parse(document.getElementById("console-texts").textContent);
  var fmt = function (s, a) { return s.replace(/%\((\w+)\)s/g, function (_, k) { return a[k]; }); };
  var root = document.getElementById("room-console") || document.getElementById("venue-rooms");
  var csrf = root.dataset.csrf;

  function call(method, path, body) {
    return fetch(API + path, {method: method, credentials: "same-origin", cache: "no-store",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: body ? JSON.stringify(body) : undefined})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (d) {
          if (!r.ok) { var e = new Error(d.detail || r.statusText); e.status = r.status; throw e; }
          return d;
        });
      });
  }
  function clock(sec) {
    if (sec === null || sec === undefined || sec === "") return "—";
    sec = Math.max(0, sec); var h = Math.floor(sec / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
    return (h ? h + ":" : "") + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  // The time left, as the exam player shows it (表B.2, A.2.9): the server's exact remaining_ms, counted down here
  // between two reads and standing still while the room is paused. A pause (or a resume) made elsewhere is learnt
  // at the next read, a few seconds late; the clock then never jumps: it stands still from the moment it knows of
  // the pause, and a difference from the server's time is made up by running at half or one and a half speed.
  // Only a real change (补时, at least a minute) of more than JUMP_MS is shown at once.
  var JUMP_MS = 30000;  // more than the drift between two reads (5 s in a room, 10 s on the venue overview)
  function Countdown() { this.srv = null; this.at = 0; this.shown = null; this.paused = false; this.last = null; }
  Countdown.prototype.set = function (ms, paused, at) {
    this.paused = !!paused;
    if (ms === null || ms === undefined || ms === "") { this.srv = null; this.shown = null; return; }
    this.srv = Number(ms); this.at = at;
    var tg = this.target(at);
    if (this.shown === null || Math.abs(tg - this.shown) > JUMP_MS) this.shown = tg;
  };
  Countdown.prototype.target = function (now) {
    return this.paused ? this.srv : Math.max(0, this.srv - (now - this.at));
  };
  Countdown.prototype.seconds = function (now) {  // called every frame: moves the shown time towards the server's
    var dt = this.last === null ? 0 : now - this.last;
    this.last = now;
    if (this.srv === null) return null;
    if (!this.paused) {
      var tg = this.target(now);
      this.shown = this.shown < tg ? Math.min(this.shown - dt * 0.5, tg) : Math.max(this.shown - dt * 1.5, tg);
      this.shown = Math.max(0, this.shown);
    }
    return Math.ceil(this.shown / 1000);
  };
  function timed(method, path) {  // the data and when the server read its clock (mid-request)
    var sent = Date.now();
    return call(method, path).then(function (d) { return {data: d, at: (sent + Date.now()) / 2}; });
  }

  // --- Venue overview ------------------------------------------------------------------------------
  if (root.id === "venue-rooms") {
    var roomClocks = {};
    Array.prototype.forEach.call(root.querySelectorAll("tr[data-room]"), function (tr) {  // as the page was drawn
      var td = tr.querySelector('[data-field="remaining"]'), c = roomClocks[tr.dataset.room] = new Countdown();
      c.set(td.dataset.remaining === "" ? null : parseInt(td.dataset.remaining, 10) * 1000,
            td.dataset.paused === "1", Date.now());
    });
    var renderVenue = function (data, at) {
      data.rooms.forEach(function (r) {
        var tr = root.querySelector('tr[data-room="' + r.id + '"]'); if (!tr) return;
        var st = tr.querySelector('[data-field="state"]'); st.textContent = r.state_label; st.className = "tag room-" + r.state;
        (roomClocks[r.id] = roomClocks[r.id] || new Countdown()).set(r.remaining_ms, r.paused, at);
        tr.querySelector('[data-field="remaining"]').dataset.paused = r.paused ? "1" : "0";
        Object.keys(r.counts).forEach(function (k) { tr.querySelector('[data-count="' + k + '"]').textContent = r.counts[k]; });
        tr.querySelector('[data-field="signals"]').textContent = r.signals;
        tr.querySelector('[data-field="events"]').textContent = r.events;
      });
    };
    var refreshVenue = function () {
      timed("GET", "sessions/" + root.dataset.session + "/venues/" + root.dataset.venue)
        .then(function (x) { renderVenue(x.data, x.at); }).catch(function () {});
    };
    setInterval(refreshVenue, 10000);
    refreshVenue();
    var paintVenue = function () {
      var now = Date.now();
      Object.keys(roomClocks).forEach(function (id) {
        var td = root.querySelector('tr[data-room="' + id + '"] [data-field="remaining"]');
        if (td) td.textContent = clock(roomClocks[id].seconds(now));
      });
    };
    setInterval(paintVenue, 200);
    paintVenue();
    return;
  }

  // --- One room -----------------------------------------------------------------------------------
  var room = root.dataset.room, runs = root.dataset.runs === "1";
  var msg = document.getElementById("console-msg");
  var remaining = {}, roomClock = new Countdown(), roomState = null;

  function say(text, bad) { msg.textContent = text; msg.className = "msg-line " + (bad ? "bad" : "good"); }

  function render(data, at) {
    at = at || Date.now();
    var st = document.getElementById("room-state");
    st.textContent = data.room.state_label; st.className = "tag room-" + data.room.state;
    roomState = data.room.state; roomClock.set(data.room.remaining_ms, data.room.paused, at);
    document.getElementById("room-clock").dataset.paused = data.room.paused ? "1" : "0";
    Array.prototype.forEach.call(document.querySelectorAll("form[data-when]"), function (f) {
      f.hidden = f.dataset.when !== roomState;
    });
    document.getElementById("room-comp").textContent = data.room.compensation_minutes;
    Object.keys(data.counts).forEach(function (k) {
      var el = document.querySelector('[data-count="' + k + '"]'); if (el) el.textContent = data.counts[k];
    });
    data.roster.forEach(function (r) {
      var tr = document.querySelector('#roster tr[data-attempt="' + r.id + '"]'); if (!tr) return;
      var s = tr.querySelector('[data-field="status"]'); s.textContent = r.status_label; s.className = "tag live-" + r.status;
      var idc = tr.querySelector('[data-field="identity"]');
      if (r.identity_checked) idc.textContent = "✓";
      else if (runs && r.status !== "not_arrived" && r.status !== "absent") {
        if (!idc.querySelector("button")) {
          idc.innerHTML = ""; var b = document.createElement("button"); b.type = "button"; b.className = "small";
          b.dataset.identity = r.id; b.textContent = T.identify; idc.appendChild(b);
        }
      } else idc.textContent = "—";
      tr.querySelector('[data-field="answered"]').textContent = r.answered + (r.items ? " / " + r.items : "");
      (remaining[r.id] = remaining[r.id] || new Countdown()).set(r.remaining_ms, data.room.paused, at);
      var sig = tr.querySelector('[data-field="signals"]'); sig.innerHTML = "";
      if (!r.signals.length) sig.textContent = "—";
      r.signals.forEach(function (g) {
        var span = document.createElement("span"); span.className = "tag warn"; span.textContent = g.label + " × " + g.count;
        sig.appendChild(span); sig.appendChild(document.createTextNode(" "));
      });
    });
    paintClocks();
  }
  function paintClocks() {
    var now = Date.now();
    document.getElementById("room-clock").textContent = clock(roomClock.seconds(now));
    Object.keys(remaining).forEach(function (id) {
      var td = document.querySelector('#roster tr[data-attempt="' + id + '"] [data-field="remaining"]');
      if (td) td.textContent = clock(remaining[id].seconds(now));
    });
  }
  setInterval(paintClocks, 200);

  function refresh() {
    return timed("GET", "rooms/" + room).then(function (x) { render(x.data, x.at); })
      .catch(function () { say(T.offline, true); });
  }
  setInterval(refresh, 5000);
  refresh();

  Array.prototype.forEach.call(document.querySelectorAll("form[data-api]"), function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
      var path = form.dataset.api, body = {};
      new FormData(form).forEach(function (v, k) {
        if (k === "attempt") { path = path.replace("{attempt}", v); return; }
        if (k === "minutes") v = parseInt(v, 10);
        if (k === "attempt_id") v = v ? parseInt(v, 10) : null;
        body[k] = v;
      });
      call("POST", path, body).then(function (data) {
        if (form.dataset.reload) { window.location.reload(); return; }
        if (data.roster) render(data);
        if (form.dataset.clear) form.reset();
        say(T.done, false);
      }).catch(function (err) { say(fmt(T.error, {m: err.message}), true); });
    });
  });
  document.addEventListener("click", function (e) {
    var id = e.target.dataset && e.target.dataset.identity; if (!id) return;
    call("POST", "attempts/" + id + "/identity").then(function (d) { render(d); say(T.done, false); })
      .catch(function (err) { say(fmt(T.error, {m: err.message}), true); });
  });
  var ticket = document.getElementById("checkin-ticket"); if (ticket) ticket.focus();
})();
