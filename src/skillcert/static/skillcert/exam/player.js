/* skillcert exam player — no framework, no third-party code.
 *
 * Never lose an answer: every change gets a per-attempt sequence number and goes into a queue kept in
 * localStorage before it is sent; an entry leaves the queue only when the server acknowledges it (after
 * commit). Offline, the queue grows and the candidate keeps working; it drains when the network returns.
 * The server keeps, per item, the answer with the highest sequence, so resending is always safe.
 *
 * A paused room (表B.2) takes no answers: the server decides by its own state when a save arrives, and refuses
 * one that arrives after the pause (423, code "paused") without writing anything. The player asks for its status
 * every POLL_MS (and learns of a pause from a refused save, whichever comes first), then locks the input behind a
 * "考场已暂停" screen within about a second; whatever was typed and not acknowledged stays in the queue (and in
 * localStorage) and is resent after the resume. So an answer typed in the last second before a pause is either
 * on the server already or held here until the resume — never lost.
 *
 * The clock: the server sends the exact time left (remaining_ms, paused time excluded). The shown time never
 * jumps: it stands still while paused, and when it and the server disagree by a little (the second or so the
 * player counted on before it saw a pause, network delay) it runs at half or one and a half speed until they
 * agree; only a real change (补时, a long loss of network) of more than JUMP_MS is shown at once.
 */
(function () {
  "use strict";
  var API = "/api/exam/v1";
  var T = JSON.parse(document.getElementById("exam-texts").textContent);
  var WARN = JSON.parse(document.getElementById("exam-warnings").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var fmt = function (s, args) { return s.replace(/%\((\w+)\)s/g, function (_, k) { return args[k]; }); };

  var token = localStorage.getItem("skillcert.exam.token");
  var attemptId = null, items = [], answers = {}, flags = {}, current = 0;
  var seq = 0, queue = [], inflight = false, online = true, retryTimer = null;
  var paused = false, warned = {}, finished = false, zoom = 1;
  var debounce = {};
  // Status poll (delivery.services.STATUS_POLL_SECONDS, 1 s): the input locks within about a second of a pause
  // (the requirement is 2 s); each poll is one indexed read, a heartbeat write one poll in ten (attempt_status).
  var POLL_MS = JSON.parse(document.getElementById("exam-poll-ms").textContent) || 1000;
  var JUMP_MS = 5000, pollTimer = null, pollBusy = false;
  var srvRemaining = null, srvAt = 0, shown = null, lastFrame = null;

  function key(name) { return "skillcert.exam." + attemptId + "." + name; }
  function persist() {
    localStorage.setItem(key("queue"), JSON.stringify(queue));
    localStorage.setItem(key("seq"), String(seq));
    localStorage.setItem(key("answers"), JSON.stringify(answers));
    localStorage.setItem(key("flags"), JSON.stringify(flags));
  }
  function restore() {
    queue = JSON.parse(localStorage.getItem(key("queue")) || "[]");
    seq = Math.max(seq, parseInt(localStorage.getItem(key("seq")) || "0", 10));
    flags = JSON.parse(localStorage.getItem(key("flags")) || "{}");
    return JSON.parse(localStorage.getItem(key("answers")) || "{}");
  }

  function call(method, path, body) {
    var headers = {"Content-Type": "application/json"};
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(API + path, {method: method, headers: headers, body: body ? JSON.stringify(body) : undefined,
                              cache: "no-store"})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) { var e = new Error(data.detail || r.statusText); e.status = r.status; throw e; }
          return data;
        });
      });
  }

  function show(section) {
    ["login", "waiting", "exam", "finished"].forEach(function (s) { $(s).hidden = s !== section; });
    var inExam = section === "exam";
    $("clock-box").hidden = !inExam; $("tools").hidden = !inExam;
  }
  function say(text, assertive) {
    var box = assertive ? $("announce") : $("announce-polite");
    box.textContent = ""; setTimeout(function () { box.textContent = text; }, 50);
  }
  function banner(text, kind) {
    var b = $("banner"); b.hidden = !text; b.textContent = text || ""; b.className = "player-banner " + (kind || "");
  }

  // --- Connection state and the save queue -----------------------------------------------------------
  function setNet() {
    var pending = queue.length + Object.keys(debounce).length;  // typed but not yet queued counts too
    var net = $("net");
    if (paused) { net.className = "player-status offline"; net.textContent = T.paused_title; }
    else if (!online) { net.className = "player-status offline"; net.textContent = T.offline; }
    else if (pending || inflight) { net.className = "player-status saving"; net.textContent = T.saving; }
    else { net.className = "player-status ok"; net.textContent = T.online; }
    if (pending) net.textContent += " · " + fmt(T.pending, {n: pending});
    document.body.dataset.pending = String(pending);
    $("paused-held").textContent = pending ? fmt(T.paused_held, {n: pending}) : T.paused_none;
    document.body.dataset.online = online ? "1" : "0";
  }

  function enqueue(position, value) {
    seq += 1;
    queue = queue.filter(function (q) { return q.position !== position; });  // superseded, never needed
    queue.push({seq: seq, position: position, value: value});
    persist(); setNet(); flush();
  }

  function flush() {
    if (inflight || !queue.length || finished || paused) return;
    inflight = true; setNet();
    var batch = queue.slice(0, 100);
    call("POST", "/answers", {saves: batch}).then(function (data) {
      var acked = {};
      data.acked.forEach(function (s) { acked[s] = true; });
      queue = queue.filter(function (q) { return !acked[q.seq]; });
      online = true; inflight = false; persist(); setNet();
      if (queue.length) flush();
    }).catch(function (e) {
      inflight = false;
      if (e.status === 409) { return end(e.message); }
      if (e.status === 401) { return loggedOut(); }
      if (e.status === 423) { setPaused(true); setNet(); pollStatus(); return; }  // kept; resent after the resume
      if (e.status === 400) {  // a save the server can never accept: drop it, say so, keep the rest
        queue = queue.filter(function (q) { return batch.indexOf(q) < 0; }); persist();
        banner(fmt(T.error, {m: e.message}), "bad"); setNet(); return;
      }
      online = false; setNet(); retry(3000);
    });
  }
  function retry(ms) { clearTimeout(retryTimer); retryTimer = setTimeout(flush, ms); }
  window.addEventListener("online", function () { online = true; setNet(); flush(); });
  window.addEventListener("offline", function () { online = false; setNet(); });

  // --- Clock: the server's exact time left, counted down locally and re-read with every status poll ----------
  function applyTime(t, sent, received) {
    var now = Date.now();
    sent = sent || now; received = received || now;
    var ms = (t.remaining_ms !== null && t.remaining_ms !== undefined) ? t.remaining_ms
      : (t.remaining_seconds !== null && t.remaining_seconds !== undefined ? t.remaining_seconds * 1000 : null);
    if (ms !== null) { srvRemaining = ms; srvAt = (sent + received) / 2; }  // the server read it mid-request
    setPaused(!!t.paused);
    var tg = target(now);
    if (tg !== null && (shown === null || Math.abs(tg - shown) > JUMP_MS)) { shown = tg; showClock(); }
    if (t.status === "submitted" && !finished) end(T.time_up);
  }
  function target(now) {
    if (srvRemaining === null) return null;
    return paused ? srvRemaining : Math.max(0, srvRemaining - (now - srvAt));
  }
  function remaining() { return shown === null ? null : Math.ceil(shown / 1000); }
  function showClock() {
    var r = remaining();
    if (r === null) return;
    var m = Math.floor(r / 60), s = r % 60, text = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    $("clock").textContent = text; $("paused-clock").textContent = text;
    $("clock-box").classList.toggle("low", r <= 300);
  }
  function tickClock() {
    var now = Date.now(), dt = lastFrame === null ? 0 : now - lastFrame;
    lastFrame = now;
    var tg = target(now);
    if (tg === null) return;
    if (shown === null) shown = tg;
    if (!paused) {  // behind the server: run at half speed; ahead of it: one and a half; never past it
      shown = shown < tg ? Math.min(shown - dt * 0.5, tg) : Math.max(shown - dt * 1.5, tg);
      shown = Math.max(0, shown);
    }
    showClock();
    warn(remaining());
    if (tg === 0 && !finished && !paused) { lock(); flushText(); flush(); }  // the poll then learns of the收卷
  }
  // A.2.9 考试终止前15min，向考生预告时间: when the time left reaches each of WARNING_MINUTES (15 and 5, from the
  // server), the banner shows it and the assertive live region reads it out, once. The minutes said are the
  // minutes actually left, so a time that jumped past a mark (a long loss of network) is still told truly, and
  // only the nearest mark passed is said. A mark passed long before the player first saw the time (a log-in with
  // 10 minutes left) is not said; the page reloaded just after a mark says it again. Time added later (补时)
  // that lifts the time left above a mark makes it due again. The banner goes after WARN_BANNER_MS, so it never
  // reads "15 minutes" when ten are left.
  var WARN_BANNER_MS = 60000, lastR = null, warnTimer = null;
  function warn(r) {
    if (r === null) return;
    var due = null;
    WARN.forEach(function (w) {
      if (r > w * 60) { warned[w] = false; return; }
      if (warned[w]) return;
      warned[w] = true;
      if (r > 0 && ((lastR !== null && lastR > w * 60) || r > w * 60 - 30)) due = true;
    });
    lastR = r;
    if (!due || finished) return;
    var text = fmt(T.warning, {m: Math.ceil(r / 60)});
    say(text, true); banner(text, "warn");
    clearTimeout(warnTimer);
    warnTimer = setTimeout(function () { if ($("banner").textContent === text) banner(""); }, WARN_BANNER_MS);
  }
  function pollStatus() {
    clearTimeout(pollTimer);
    if (!token || finished || pollBusy) return;
    pollBusy = true;
    var sent = Date.now();
    call("GET", "/status").then(function (t) {
      online = true; applyTime(t, sent, Date.now()); setNet(); flush();
    }).catch(function (e) {
      if (e.status === 401) return loggedOut();
      online = false; setNet();
    }).then(function () {
      pollBusy = false;
      if (token && !finished) pollTimer = setTimeout(pollStatus, POLL_MS);
    });
  }

  // --- Pause: lock everything behind the pause screen, hold the answers, resend them after the resume ---------
  function setPaused(p) {
    if (p === paused) return;
    paused = p;
    document.body.dataset.paused = p ? "1" : "0";
    $("paused-overlay").hidden = !p;
    $("main").inert = p;
    $("submit").disabled = p;
    if (p) {
      flushText();  // typed but not yet queued: into the queue (and localStorage), sent after the resume
      lock();
      if ($("confirm").open) $("confirm").close();
      say(T.paused_title + "。" + T.paused, true);
    } else {
      if (items.length && !finished) renderItem();
      say(T.resumed, true);
      flush();
    }
    setNet();
  }
  function sayTime() {
    var r = remaining() || 0;
    say(fmt(T.time_now, {m: Math.floor(r / 60), s: r % 60}), false);
  }
  $("say-time").addEventListener("click", sayTime);

  // --- Rendering ------------------------------------------------------------------------------------------
  function isAnswered(pos) {
    var v = answers[pos];
    return v !== undefined && v !== "" && !(Array.isArray(v) && !v.length);
  }
  function renderOverview() {
    var ol = $("overview"); ol.innerHTML = "";
    var done = 0;
    items.forEach(function (it, i) {
      var li = document.createElement("li"), b = document.createElement("button");
      b.type = "button"; b.textContent = it.number;
      var a = isAnswered(it.position); if (a) done += 1;
      b.className = (a ? "done " : "") + (flags[it.position] ? "flagged " : "") + (i === current ? "current" : "");
      b.setAttribute("aria-label", fmt(T.question, {n: it.number}) + " " + (a ? T.done : T.unanswered) +
                     (flags[it.position] ? " " + T.flagged : ""));
      if (i === current) b.setAttribute("aria-current", "step");
      b.addEventListener("click", function () { go(i); });
      li.appendChild(b); ol.appendChild(li);
    });
    $("progress").textContent = fmt(T.answered, {a: done, n: items.length});
  }

  function renderItem() {
    var it = items[current], box = $("item");
    box.innerHTML = "";
    var h = document.createElement("h2"); h.id = "item-title"; h.tabIndex = -1;
    h.textContent = fmt(T.question, {n: it.number}) + " · " + it.type_label + " · " + fmt(T.points, {p: it.points});
    box.appendChild(h);
    var stem = document.createElement("p"); stem.className = "stem"; stem.textContent = it.stem; box.appendChild(stem);
    if (it.materials) { var m = document.createElement("pre"); m.className = "materials"; m.textContent = it.materials; box.appendChild(m); }
    var v = answers[it.position];
    if (it.options.length) {
      var fs = document.createElement("fieldset"); fs.className = "options";
      var lg = document.createElement("legend"); lg.className = "visually-hidden"; lg.textContent = h.textContent;
      fs.appendChild(lg);
      var multi = it.type === "multiple";
      it.options.forEach(function (o) {
        var lab = document.createElement("label"), inp = document.createElement("input");
        inp.type = multi ? "checkbox" : "radio"; inp.name = "opt-" + it.position; inp.value = o.key;
        inp.dataset.label = o.label;
        inp.checked = multi ? (Array.isArray(v) && v.indexOf(o.key) >= 0) : v === o.key;
        inp.addEventListener("change", function () { choose(it, o.key, inp.checked); });
        var span = document.createElement("span"); span.textContent = o.label + ". " + o.text;
        lab.appendChild(inp); lab.appendChild(span); fs.appendChild(lab);
      });
      box.appendChild(fs);
    } else {
      var lab2 = document.createElement("label"); lab2.className = "visually-hidden"; lab2.htmlFor = "text-answer";
      lab2.textContent = T.answer_here; box.appendChild(lab2);
      var ta = document.createElement("textarea"); ta.id = "text-answer"; ta.rows = it.type === "fill" ? 3 : 12;
      ta.value = typeof v === "string" ? v : ""; ta.placeholder = T.answer_here;
      ta.addEventListener("input", function () { answers[it.position] = ta.value; persist(); later(it.position, 800); });
      box.appendChild(ta);
    }
    var nav = document.createElement("div"); nav.className = "item-nav";
    nav.appendChild(button(T.prev, function () { go(current - 1); }, current === 0));
    nav.appendChild(button(flags[it.position] ? T.unflag : T.flag, toggleFlag, false, "flag"));
    nav.appendChild(button(T.next, function () { go(current + 1); }, current === items.length - 1));
    box.appendChild(nav);
    renderOverview();
    if (paused || finished) lock();
  }
  function button(text, fn, disabled, cls) {
    var b = document.createElement("button"); b.type = "button"; b.textContent = text; b.disabled = !!disabled;
    if (cls) b.className = cls; b.addEventListener("click", fn); return b;
  }
  function go(i) {
    if (i < 0 || i >= items.length) return;
    flushText(); current = i; renderItem(); $("item-title").focus();
  }
  function toggleFlag() {
    var pos = items[current].position; flags[pos] = !flags[pos]; persist(); renderItem();
  }
  function choose(it, k, checked) {
    if (it.type === "multiple") {
      var v = Array.isArray(answers[it.position]) ? answers[it.position].slice() : [];
      v = v.filter(function (x) { return x !== k; }); if (checked) v.push(k); v.sort();
      answers[it.position] = v;
    } else { answers[it.position] = k; }
    persist(); renderOverview(); later(it.position, 300);
  }
  function later(position, ms) {
    clearTimeout(debounce[position]);
    debounce[position] = setTimeout(function () { delete debounce[position]; enqueue(position, answers[position]); }, ms);
    setNet();
  }
  function flushText() {
    Object.keys(debounce).forEach(function (p) {
      clearTimeout(debounce[p]); delete debounce[p]; enqueue(parseInt(p, 10), answers[p]);
    });
  }
  function lock() {
    Array.prototype.forEach.call(document.querySelectorAll("#item input, #item textarea, #item button"),
                                 function (e) { e.disabled = true; });
  }

  // --- Keyboard, zoom, integrity signals -------------------------------------------------------------------
  document.addEventListener("keydown", function (e) {
    if ($("exam").hidden) return;
    if (paused) { if (!(e.altKey && (e.key === "t" || e.key === "T"))) e.preventDefault(); else sayTime(); return; }
    if (e.altKey && (e.key === "t" || e.key === "T")) { e.preventDefault(); sayTime(); return; }
    var t = e.target.tagName;
    if (t === "TEXTAREA" || (t === "INPUT" && e.target.type === "text")) return;
    if (e.key === "ArrowRight" || e.key === "PageDown") { e.preventDefault(); go(current + 1); }
    else if (e.key === "ArrowLeft" || e.key === "PageUp") { e.preventDefault(); go(current - 1); }
    else if (e.key === "m" || e.key === "M") { toggleFlag(); }
    else if (/^[a-fA-F]$/.test(e.key) && !e.ctrlKey && !e.metaKey) {
      var inp = document.querySelector('#item input[data-label="' + e.key.toUpperCase() + '"]');
      if (inp) { inp.click(); }
    }
  });
  function setZoom(z) { zoom = Math.min(1.8, Math.max(0.8, z)); document.documentElement.style.setProperty("--zoom", zoom); }
  $("zoom-in").addEventListener("click", function () { setZoom(zoom + 0.1); });
  $("zoom-out").addEventListener("click", function () { setZoom(zoom - 0.1); });
  var lastSignal = {};
  function signal(kind, detail) {
    if (!token || $("exam").hidden || finished) return;
    var now = Date.now(); if (lastSignal[kind] && now - lastSignal[kind] < 10000) return;
    lastSignal[kind] = now;
    call("POST", "/signals", {kind: kind, detail: detail || ""}).catch(function () {});
  }
  window.addEventListener("blur", function () { signal("focus_loss", "blur"); });
  document.addEventListener("visibilitychange", function () { if (document.hidden) signal("focus_loss", "hidden"); });
  ["copy", "cut", "paste"].forEach(function (ev) {
    document.addEventListener(ev, function (e) { if (!$("exam").hidden) { e.preventDefault(); signal("copy_paste", ev); } });
  });

  // --- Submit ------------------------------------------------------------------------------------------------
  $("submit").addEventListener("click", function () {
    if (paused) return;
    flushText();
    var unanswered = items.filter(function (it) { return !isAnswered(it.position); }).length;
    var flagged = items.filter(function (it) { return flags[it.position]; }).length;
    $("confirm-text").textContent = unanswered || flagged ? fmt(T.confirm_submit, {u: unanswered, f: flagged})
      : fmt(T.confirm_submit_all, {n: items.length});
    $("confirm").showModal();
  });
  $("confirm-no").addEventListener("click", function () { $("confirm").close(); });
  $("confirm-yes").addEventListener("click", function () {
    $("confirm").close();
    flush();
    var tries = 0;
    (function waitDrained() {
      if (queue.length || inflight) {
        if (++tries > 20) { banner(T.cannot_submit_offline, "bad"); return; }
        flush(); return setTimeout(waitDrained, 500);
      }
      call("POST", "/submit").then(function () { end(T.submitted); })
        .catch(function (e) {
          if (e.status === 409) return end(e.message);
          if (e.status === 423) { setPaused(true); return; }  // paused meanwhile: nothing submitted
          banner(fmt(T.error, {m: e.message}), "bad");
        });
    })();
  });

  function end(text) {
    finished = true; lock(); show("finished"); $("finished-text").textContent = text; say(text, true);
    document.body.dataset.finished = "1";
  }
  function loggedOut() {
    token = null; localStorage.removeItem("skillcert.exam.token"); show("login");
    $("login-error").textContent = T.logged_out;
  }

  // --- Log-in, identity, waiting, resume ------------------------------------------------------------------
  var photoShown = false;
  function showIdentity(c) {
    attemptId = c.attempt_id;
    $("who").textContent = c.name + " · " + c.ticket_number + " · " + T.seat + " " + c.seat;
    if (c.photo) { $("photo").src = c.photo; $("photo").hidden = false; photoShown = true; }
    else if (!photoShown) { $("photo").hidden = true; }
    var dl = $("identity"); dl.innerHTML = "";
    [[T.name, c.name], [T.ticket, c.ticket_number], [T.id_number, c.id_masked], [T.occupation, c.occupation],
     [T.venue, c.venue], [T.room, c.room], [T.seat, c.seat + (c.workstation ? " (" + c.workstation + ")" : "")],
     [T.session, c.session]].forEach(function (row) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = row[0]; dd.textContent = row[1]; dl.appendChild(dt); dl.appendChild(dd);
    });
  }

  function enter() {
    call("GET", "/attempt" + (photoShown ? "" : "?photo=1")).then(function (data) {
      showIdentity(data.candidate); applyTime(data.time);
      if (data.time.status === "submitted") return end(T.submitted);
      if (data.time.room_state === "waiting") { show("waiting"); return setTimeout(enter, 3000); }
      return Promise.all([call("GET", "/paper"), call("GET", "/answers")]).then(function (r) {
        items = r[0].items; applyTime(r[0].time);
        var local = restore();
        answers = {};
        r[1].answers.forEach(function (a) { answers[a.position] = a.value; });
        seq = Math.max(seq, r[1].max_seq);
        queue.forEach(function (q) { answers[q.position] = q.value; });   // not yet acknowledged: ours is newer
        Object.keys(local).forEach(function (p) { if (!(p in answers)) answers[p] = local[p]; });
        persist(); show("exam"); renderItem(); setNet(); flush(); pollStatus();
      });
    }).catch(function (e) {
      if (e.status === 401) return loggedOut();
      if (e.status === 409) return end(e.message);
      if (e.status === 423) { setPaused(true); return setTimeout(enter, 2000); }  // not yet started: wait
      if (!e.status) { online = false; setNet(); return setTimeout(enter, 3000); }
      banner(fmt(T.error, {m: e.message}), "bad");
      if (e.status === 400) setTimeout(enter, 3000);
    });
  }

  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var f = e.target;
    $("login-error").textContent = "";
    call("POST", "/login", {ticket_number: f.ticket_number.value, id_number: f.id_number.value,
                            room_code: f.room_code.value})
      .then(function (data) {
        token = data.token; localStorage.setItem("skillcert.exam.token", token);
        showIdentity(data.candidate); show("waiting"); enter();
      })
      .catch(function (err) { $("login-error").textContent = err.status ? err.message : T.offline; });
  });

  setInterval(tickClock, 200);
  if (token) { enter(); } else { show("login"); }
  setNet();
})();
