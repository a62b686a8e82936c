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

  // --- Venue overview ------------------------------------------------------------------------------
  if (root.id === "venue-rooms") {
    var renderVenue = function (data) {
      data.rooms.forEach(function (r) {
        var tr = root.querySelector('tr[data-room="' + r.id + '"]'); if (!tr) return;
        var st = tr.querySelector('[data-field="state"]'); st.textContent = r.state_label; st.className = "tag room-" + r.state;
        tr.querySelector('[data-field="remaining"]').dataset.remaining = r.remaining_seconds === null ? "" : r.remaining_seconds;
        Object.keys(r.counts).forEach(function (k) { tr.querySelector('[data-count="' + k + '"]').textContent = r.counts[k]; });
        tr.querySelector('[data-field="signals"]').textContent = r.signals;
        tr.querySelector('[data-field="events"]').textContent = r.events;
      });
    };
    setInterval(function () {
      call("GET", "sessions/" + root.dataset.session + "/venues/" + root.dataset.venue).then(renderVenue).catch(function () {});
    }, 10000);
    setInterval(function () {
      Array.prototype.forEach.call(root.querySelectorAll('[data-field="remaining"]'), function (td) {
        var r = td.dataset.remaining; if (r === "") { td.textContent = "—"; return; }
        td.textContent = clock(parseInt(r, 10)); td.dataset.remaining = Math.max(0, parseInt(r, 10) - 1);
      });
    }, 1000);
    return;
  }

  // --- One room -----------------------------------------------------------------------------------
  var room = root.dataset.room, runs = root.dataset.runs === "1";
  var msg = document.getElementById("console-msg");
  var remaining = {}, roomRemaining = null, roomState = null;

  function say(text, bad) { msg.textContent = text; msg.className = "msg-line " + (bad ? "bad" : "good"); }

  function render(data) {
    var st = document.getElementById("room-state");
    st.textContent = data.room.state_label; st.className = "tag room-" + data.room.state;
    roomState = data.room.state; roomRemaining = data.room.remaining_seconds;
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
      remaining[r.id] = r.remaining_seconds;
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
    document.getElementById("room-clock").textContent = clock(roomRemaining);
    Object.keys(remaining).forEach(function (id) {
      var td = document.querySelector('#roster tr[data-attempt="' + id + '"] [data-field="remaining"]');
      if (td) td.textContent = clock(remaining[id]);
    });
  }
  setInterval(function () {
    if (roomState === "running") {
      if (roomRemaining) roomRemaining -= 1;
      Object.keys(remaining).forEach(function (id) { if (remaining[id]) remaining[id] -= 1; });
    }
    paintClocks();
  }, 1000);

  function refresh() { return call("GET", "rooms/" + room).then(render).catch(function () { say(T.offline, true); }); }
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
