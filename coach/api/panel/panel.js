// The agent-desktop panel: conversation, streamed guidelines and suggestions, live lint of the
// agent's own reply, and feedback. Talks to the coach API on the same origin (relative URLs, so
// it works behind a path prefix too).
//
// Inputs: the URL fragment (#key=...&locale=...&lang=...&conversation=<JSON>) and, when embedded, messages
// from the desktop window: {type: "coach:conversation", conversation: {...}, suggest: true} or
// {type: "coach:turn", turn: {role, text, round}, suggest: true}. On send it posts
// {type: "coach:send", text} back to the window that sent the conversation.
//
// `locale` is the customer's language (sent to the service); `lang` is the agent's, for the
// panel's own messages (CoachI18n). A call that cannot run says so where its answer would be.
// While a suggestion streams, its `attempt` events (drafting, a draft rejected and why,
// repairing, falling back) are listed at the top of the suggestions pane with the seconds waited,
// and the latest one is in the status bar, until `done`.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const t = (k, vars) => CoachI18n.t(k, vars);
  const state = {
    turns: [],
    conversationId: null,
    response: null,      // the last suggestion response (or what streamed of it so far)
    requestId: null,
    sentFor: null,       // the conversation snapshot the suggestions answer
    active: null,        // {index, text, suggestion} the suggestion the agent used
    desktop: null,       // {source, origin} of the embedding desktop, once it talked to us
    lintSeq: 0,
    lintAbort: null,
    suggestAbort: null,
    suggestDone: false,
    suggestProblem: null, // why the last suggestion call could not run
    progress: [],        // the `attempt` events of the suggestion under way
    suggestStarted: 0,   // when it was asked for (performance.now())
    progressTimer: null,
    lint: { state: "empty", problem: null },
  };

  // ---- service key and API calls -------------------------------------------------------
  function key() { return $("key").value.trim(); }

  function headers(extra) {
    const h = Object.assign({ "Content-Type": "application/json" }, extra || {});
    if (key()) h.Authorization = `Bearer ${key()}`;
    return h;
  }

  function openKeySettings() {
    $("settings").open = true;
    $("key").focus();
  }

  // The buttons offered beside a problem: the key field when the key is what is missing.
  function problemActions(problem, extra) {
    const actions = CoachProblems.needsKey(problem)
      ? [{ label: t("action.settings"), action: "settings", onClick: openKeySettings }] : [];
    return actions.concat(extra || []);
  }

  function status(text, isError) {
    const el = $("status");
    el.textContent = text || "";
    el.classList.toggle("error", !!isError);
  }

  // ---- conversation --------------------------------------------------------------------
  function renderTurns() {
    const list = $("turns");
    list.textContent = "";
    state.turns.forEach((t) => {
      const li = document.createElement("li");
      li.className = `turn ${t.role}`;
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = `${CoachI18n.t(`role.${t.role}`)} · R${t.round || 1}`;
      const text = document.createElement("div");
      text.className = "text";
      text.textContent = t.text;
      li.append(who, text);
      list.appendChild(li);
    });
    list.scrollTop = list.scrollHeight;
    const last = state.turns[state.turns.length - 1];
    if (last) $("turn-round").value = String(last.round || 1);
  }

  function addTurn(turn) {
    const text = String(turn.text || "").trim();
    if (!text) return false;
    const round = Math.max(1, parseInt(turn.round, 10) || 1);
    state.turns.push({ role: turn.role === "agent" ? "agent" : "customer", text, round });
    renderTurns();
    scheduleLint();
    return true;
  }

  function setConversation(conv) {
    if (!conv || !Array.isArray(conv.turns)) return;
    state.turns = [];
    state.conversationId = conv.conversation_id || null;
    if (conv.locale) $("locale").value = conv.locale;
    conv.turns.forEach(addTurn);
    renderTurns();
  }

  function conversationBody() {
    const body = { turns: state.turns.map((t) => ({ role: t.role, text: t.text, round: t.round })) };
    body.n = parseInt($("n").value, 10) || 1;
    if ($("locale").value) body.locale = $("locale").value;
    if (state.conversationId) body.conversation_id = state.conversationId;
    return body;
  }

  // ---- guideline and suggestion cards ---------------------------------------------------
  function renderPassages(passages) {
    const box = $("passages");
    box.textContent = "";
    if (!passages || !passages.length) {
      box.innerHTML = '<p class="empty">—</p>';
      return;
    }
    passages.forEach((p) => {
      const card = document.createElement("details");
      card.className = "card passage";
      card.dataset.id = p.id;
      const summary = document.createElement("summary");
      const title = document.createElement("span");
      title.className = "title";
      title.textContent = p.title || p.source || p.id;
      const id = document.createElement("code");
      id.textContent = p.id;
      summary.append(title, " ", id);
      const preview = document.createElement("div");
      preview.className = "preview";
      preview.textContent = p.text.length > 90 ? `${p.text.slice(0, 90)}…` : p.text;
      const full = document.createElement("div");
      full.className = "full";
      full.textContent = p.text;
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = `${p.source || ""}${typeof p.score === "number" ? ` · ${p.score.toFixed(2)}` : ""}`;
      if (p.original_text) {
        // Shown in the reader's script; the source's own words one click away.
        const toggle = document.createElement("button");
        toggle.type = "button";
        toggle.className = "original-toggle";
        let showingOriginal = false;
        const label = () => { toggle.textContent = CoachI18n.t(showingOriginal ? "passage.converted" : "passage.original"); };
        toggle.addEventListener("click", () => {
          showingOriginal = !showingOriginal;
          full.textContent = showingOriginal ? p.original_text : p.text;
          title.textContent = (showingOriginal ? p.original_title : p.title) || p.source || p.id;
          label();
        });
        label();
        meta.append(" · ", toggle);
      }
      card.append(summary, preview, full, meta);
      box.appendChild(card);
    });
    markCited();
  }

  function markCited() {
    const cited = new Set();
    for (const s of (state.response && state.response.suggestions) || []) {
      (s.citations || []).forEach((c) => cited.add(c));
    }
    document.querySelectorAll("#passages .passage").forEach((card) => {
      card.classList.toggle("cited", cited.has(card.dataset.id));
    });
  }

  function clearSuggestions() {
    $("suggestions").innerHTML = '<p class="empty">…</p>';
    $("degraded").hidden = true;
  }

  // ---- progress of the suggestion under way (the stream's `attempt` events) -------------
  const STAGES = ["drafting", "rejected", "repairing", "falling_back"];

  function progressText(a) {
    if (a.stage === "drafting") return t("progress.drafting");
    if (a.stage === "repairing") return t("progress.repairing", { attempt: a.attempt });
    if (a.stage === "rejected") {
      const rules = (a.rules || []).map((id) => CoachI18n.tOr(`rule.${id}`, id));
      return rules.length
        ? t("progress.rejected", { attempt: a.attempt, rules: rules.join(t("list.sep")) })
        : t("progress.rejected_empty", { attempt: a.attempt });
    }
    return t("progress.falling_back", { reason: CoachI18n.tOr(`reason.${a.reason}`, String(a.reason || "")) });
  }

  function onAttempt(a) {
    if (!a || !STAGES.includes(a.stage)) return; // a stage this panel does not know yet
    state.progress.push(a);
    if (!state.progressTimer) state.progressTimer = setInterval(showElapsed, 1000);
    renderProgress();
  }

  // The steps so far and the time waited, top of the suggestions pane (the suggestions arrive
  // below); the latest step in the status bar, which screen readers announce once per step.
  function renderProgress() {
    const pane = $("suggestions");
    let box = $("progress");
    if (!state.progress.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "progress";
      box.className = "progress";
      const elapsed = document.createElement("div");
      elapsed.className = "elapsed";
      box.append(document.createElement("ol"), elapsed);
      pane.querySelectorAll(".empty").forEach((el) => el.remove());
      pane.prepend(box);
    }
    const steps = box.querySelector("ol");
    steps.textContent = "";
    for (const a of state.progress) {
      const li = document.createElement("li");
      li.dataset.stage = a.stage;
      if (a.rules) li.dataset.rules = a.rules.join(" ");
      if (a.reason) li.dataset.reason = a.reason;
      li.textContent = progressText(a);
      steps.appendChild(li);
    }
    showElapsed();
    if (!state.suggestProblem) status(progressText(state.progress[state.progress.length - 1]));
  }

  function showElapsed() {
    const el = document.querySelector("#progress .elapsed");
    if (!el) return;
    const seconds = Math.floor((performance.now() - state.suggestStarted) / 1000);
    el.textContent = seconds >= 1 ? t("progress.elapsed", { seconds }) : "";
  }

  function stopProgress() {
    if (state.progressTimer) clearInterval(state.progressTimer);
    state.progressTimer = null;
    state.progress = [];
    renderProgress();
  }

  function renderSuggestion(s, index) {
    const box = $("suggestions");
    const empty = box.querySelector(".empty");
    if (empty) empty.remove();
    const card = document.createElement("article");
    card.className = "card suggestion";
    card.dataset.index = String(index);
    const text = document.createElement("p");
    text.className = "text";
    text.textContent = s.text;
    const meta = document.createElement("div");
    meta.className = "meta";
    const source = document.createElement("span");
    source.className = `badge badge-${s.source || "offline"}`;
    source.textContent = s.source || "offline";
    meta.appendChild(source);
    (s.citations || []).forEach((c) => {
      const chip = document.createElement("code");
      chip.className = "cite";
      chip.textContent = c;
      chip.title = t("cited");
      chip.addEventListener("click", () => openPassage(c));
      meta.appendChild(chip);
    });
    const actions = document.createElement("div");
    actions.className = "actions";
    actions.append(
      button("使用 Use", "use", () => useSuggestion(index, s)),
      button("复制 Copy", "copy", () => copyText(s.text)),
      button("👍 采纳 Accept", "accept", () => sendFeedback("accepted", index, s)),
      button("👎 拒绝 Reject", "reject", () => sendFeedback("rejected", index, s)),
    );
    card.append(text, meta, actions);
    box.appendChild(card);
  }

  function button(label, action, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.action = action;
    b.addEventListener("click", onClick);
    return b;
  }

  function openPassage(id) {
    const card = document.querySelector(`#passages .passage[data-id="${CSS.escape(id)}"]`);
    if (card) { card.open = true; card.scrollIntoView({ block: "nearest" }); }
  }

  function showDone(resp) {
    const badge = $("degraded");
    badge.hidden = !resp.degraded;
    badge.title = resp.degraded_reason || "";
    badge.textContent = resp.degraded ? `${t("degraded")}${resp.degraded_reason ? `: ${resp.degraded_reason}` : ""}` : "";
    const ms = resp.timings_ms && resp.timings_ms.total;
    status(`${resp.model || ""}${ms ? ` · ${Math.round(ms)} ms` : ""}`);
    markCited();
  }

  // ---- suggestions: streamed (SSE) or plain JSON ---------------------------------------
  async function suggest() {
    if (!state.turns.length) { status(t("status.add_turn"), true); return; }
    if (state.suggestAbort) state.suggestAbort.abort();
    const abort = new AbortController();
    state.suggestAbort = abort;
    const body = conversationBody();
    state.sentFor = body;
    state.response = { suggestions: [], passages: [] };
    state.requestId = null;
    state.active = null;
    state.suggestDone = false;
    state.suggestProblem = null;
    stopProgress();
    state.suggestStarted = performance.now();
    clearSuggestions();
    status("…");
    let response;
    try {
      response = await fetch("v1/suggestions", {
        method: "POST",
        headers: headers({ Accept: "text/event-stream" }),
        body: JSON.stringify(body),
        signal: abort.signal,
      });
    } catch (err) {
      if (err.name !== "AbortError") suggestFailed(CoachProblems.fromError(err));
      return;
    }
    state.requestId = response.headers.get("X-Request-ID");
    if (!response.ok) {
      const problem = await CoachProblems.fromResponse(response, !!key());
      if (state.suggestAbort === abort) suggestFailed(problem);
      return;
    }
    const type = response.headers.get("Content-Type") || "";
    try {
      if (type.includes("text/event-stream")) {
        await CoachSSE.readEventStream(response, onStreamEvent);
      } else {
        onStreamEvent("done", await response.json());
      }
    } catch (err) {
      if (err.name !== "AbortError") suggestFailed(CoachProblems.fromStream("cut_off", err.message));
      return;
    }
    // A stream that ends without its `done` event was cut off: never leave it looking finished.
    if (state.suggestAbort === abort && !state.suggestDone && !state.suggestProblem) {
      suggestFailed(CoachProblems.fromStream("cut_off"));
    }
  }

  function suggestFailed(problem) {
    state.suggestProblem = problem;
    stopProgress();
    showSuggestProblem();
  }

  // The problem in the status bar and at the top of the suggestions pane, with its fix.
  function showSuggestProblem() {
    const problem = state.suggestProblem;
    if (!problem) return;
    status(CoachI18n.sentences(t("suggest.failed"), CoachProblems.why(problem)), true);
    const pane = $("suggestions");
    pane.querySelectorAll(".problem, .empty").forEach((el) => el.remove());
    const box = document.createElement("div");
    box.className = "problem";
    box.setAttribute("role", "alert");
    pane.prepend(CoachProblems.render(box, t("suggest.failed"), problem, problemActions(problem)));
  }

  function onStreamEvent(name, data) {
    const resp = state.response;
    if (name === "passages") {
      resp.passages = Array.isArray(data) ? data : data.passages || [];
      renderPassages(resp.passages);
    } else if (name === "attempt") {
      onAttempt(data);
    } else if (name === "suggestion") {
      const s = data.suggestion || data;
      const index = typeof data.index === "number" ? data.index : resp.suggestions.length;
      resp.suggestions[index] = s;
      renderSuggestion(s, index);
    } else if (name === "done") {
      const final = data.response || data;
      if (final.passages && !resp.passages.length) renderPassages(final.passages);
      if (final.suggestions && !resp.suggestions.length) final.suggestions.forEach(renderSuggestion);
      state.response = Object.assign({}, final, {
        suggestions: final.suggestions || resp.suggestions,
        passages: final.passages || resp.passages,
      });
      if (final.request_id) state.requestId = final.request_id;
      state.suggestDone = true;
      stopProgress();
      showDone(state.response);
    } else if (name === "error") {
      const msg = data && data.error ? data.error.message : (data && data.message) || String(data);
      suggestFailed(CoachProblems.fromStream("stream", msg));
    }
  }

  // ---- using, copying and rating suggestions --------------------------------------------
  function useSuggestion(index, s) {
    $("reply").value = s.text;
    state.active = { index, text: s.text, suggestion: s };
    $("reply").focus();
    lintNow();
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (_) {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    feedbackStatus(t("status.copied"));
  }

  function feedbackStatus(text, isError) {
    const el = $("feedback-status");
    el.textContent = text;
    el.classList.toggle("error", !!isError);
  }

  async function sendFeedback(verdict, index, s, finalText) {
    const resp = state.response || {};
    const body = {
      verdict,
      suggestion: s.text,
      suggestion_index: index,
      request_id: state.requestId || resp.request_id || "unknown",
      conversation: state.sentFor || conversationBody(),
      source: s.source || null,
      degraded: typeof resp.degraded === "boolean" ? resp.degraded : null,
      template: resp.template || null,
      model: resp.model || null,
    };
    if (state.conversationId) body.conversation_id = state.conversationId;
    if (finalText !== undefined) body.final_text = finalText;
    let problem = null;
    let stored = null;
    try {
      const response = await fetch("v1/feedback", { method: "POST", headers: headers(), body: JSON.stringify(body) });
      if (response.ok) stored = await response.json();
      else problem = await CoachProblems.fromResponse(response, !!key());
    } catch (err) {
      problem = CoachProblems.fromError(err);
    }
    if (problem) {
      feedbackStatus(CoachI18n.sentences(t("feedback.failed"), CoachProblems.why(problem), CoachProblems.fix(problem)), true);
      return null;
    }
    feedbackStatus(t("feedback.stored", { verdict: t(`verdict.${stored.verdict}`), id: stored.id }));
    $("feedback-status").dataset.verdict = stored.verdict;
    const card = document.querySelector(`#suggestions .suggestion[data-index="${index}"]`);
    if (card) card.dataset.verdict = verdict;
    return stored;
  }

  async function sendReply() {
    const text = $("reply").value.trim();
    if (!text) return;
    if (state.active) {
      const edited = text !== state.active.text.trim();
      await sendFeedback(edited ? "edited" : "accepted", state.active.index, state.active.suggestion, edited ? text : undefined);
    }
    const round = parseInt($("turn-round").value, 10) || 1;
    addTurn({ role: "agent", text, round });
    if (state.desktop) state.desktop.source.postMessage({ type: "coach:send", text }, state.desktop.origin);
    $("reply").value = "";
    state.active = null;
    lintNow();
  }

  // ---- live lint ------------------------------------------------------------------------
  // The lint's state is one of: empty, pending (typed, not yet checked), clean, violations,
  // unavailable (the check could not run: the reply is marked unchecked and the note says why).
  async function lintNow() {
    const text = $("reply").value;
    const seq = ++state.lintSeq;
    if (state.lintAbort) state.lintAbort.abort();
    if (!text.trim()) { showLint(text, []); return; }
    const abort = new AbortController();
    state.lintAbort = abort;
    const body = { draft: text, turns: state.turns.map((t) => ({ role: t.role, text: t.text, round: t.round })) };
    if ($("locale").value) body.locale = $("locale").value; // the customer's language
    body.reader_locale = CoachI18n.lang(); // the agent's: the rule messages and hints come in it
    let problem;
    try {
      const response = await fetch("v1/validate", { method: "POST", headers: headers(), body: JSON.stringify(body), signal: abort.signal });
      if (response.ok) {
        const result = await response.json();
        if (seq !== state.lintSeq || $("reply").value !== text) return; // a newer keystroke won
        showLint(text, result.violations || []);
        return;
      }
      problem = await CoachProblems.fromResponse(response, !!key());
    } catch (err) {
      if (err.name === "AbortError") return;
      problem = CoachProblems.fromError(err);
    }
    if (seq === state.lintSeq) lintFailed(text, problem);
  }

  function setLint(lintState, problem) {
    state.lint = { state: lintState, problem: problem || null };
    $("lint").dataset.state = lintState;
    $("reply").classList.toggle("unchecked", lintState === "unavailable");
    renderLintNote();
  }

  function renderLintNote() {
    const note = $("lint-note");
    const { state: lintState, problem } = state.lint;
    note.className = `lint-note ${lintState}`;
    delete note.dataset.problem;
    if (lintState === "unavailable") {
      CoachProblems.render(note, t("lint.failed"), problem, problemActions(problem, [
        { label: t("action.recheck"), action: "recheck", onClick: lintNow },
      ]));
    } else {
      note.textContent = lintState === "clean" ? t("lint.clean") : lintState === "pending" ? t("lint.pending") : "";
    }
  }

  function showLint(text, violations) {
    CoachLint.renderBackdrop($("reply-backdrop"), text, violations);
    CoachLint.renderList($("lint"), violations);
    $("reply").classList.toggle("has-violations", violations.length > 0);
    setLint(violations.length ? "violations" : text.trim() ? "clean" : "empty");
  }

  // No marks (they would claim a check that did not happen) and no list: the note says why.
  function lintFailed(text, problem) {
    CoachLint.renderBackdrop($("reply-backdrop"), text, []);
    CoachLint.renderList($("lint"), []);
    $("reply").classList.remove("has-violations");
    setLint("unavailable", problem);
  }

  const scheduleLint = CoachLint.debounce(lintNow, 300);

  // ---- the agent's language -------------------------------------------------------------
  function applyLang() {
    const lang = CoachI18n.use($("ui-lang").value, navigator.languages || [navigator.language]);
    document.documentElement.lang = lang;
    renderTurns();
    renderLintNote();
    showSuggestProblem();
    renderProgress();
    if (state.response && state.response.model) showDone(state.response);
  }

  // ---- wiring ---------------------------------------------------------------------------
  function fromFragment() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const stored = sessionStorage.getItem("coach.key");
    if (params.get("key")) {
      $("key").value = params.get("key");
      sessionStorage.setItem("coach.key", params.get("key"));
      // keep the key out of the address bar (and of screenshots and history)
      params.delete("key");
      const rest = params.toString();
      history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
    } else if (stored) {
      $("key").value = stored;
    }
    if (params.get("locale")) $("locale").value = params.get("locale");
    const lang = params.get("lang") || localStorage.getItem("coach.lang");
    if (CoachI18n.LANGS.includes(lang)) $("ui-lang").value = lang;
    applyLang();
    if (params.get("conversation")) {
      try { setConversation(JSON.parse(params.get("conversation"))); } catch (_) { status(t("status.bad_conversation"), true); }
    }
  }

  function onMessage(event) {
    if (event.source !== window.parent && event.source !== window.opener) return;
    if (event.source === window) return;
    const data = event.data || {};
    state.desktop = { source: event.source, origin: event.origin };
    if (data.type === "coach:conversation") {
      setConversation(data.conversation);
      if (data.suggest !== false) suggest();
    } else if (data.type === "coach:turn" && data.turn) {
      if (addTurn(data.turn) && data.turn.role !== "agent" && data.suggest !== false) suggest();
    }
  }

  function init() {
    // A new key is tried at once: the reply is checked again with it.
    $("key").addEventListener("input", () => { sessionStorage.setItem("coach.key", key()); scheduleLint(); });
    $("ui-lang").addEventListener("change", () => {
      localStorage.setItem("coach.lang", $("ui-lang").value);
      applyLang();
    });
    $("turn-form").addEventListener("submit", (e) => {
      e.preventDefault();
      if (addTurn({ role: $("turn-role").value, text: $("turn-text").value, round: $("turn-round").value })) {
        $("turn-text").value = "";
      }
    });
    $("turn-text").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("add-turn").click(); }
    });
    $("suggest").addEventListener("click", suggest);
    $("clear").addEventListener("click", () => {
      if (state.suggestAbort) state.suggestAbort.abort();
      stopProgress();
      state.turns = []; state.response = null; state.active = null; state.conversationId = null;
      renderTurns(); renderPassages([]); $("suggestions").innerHTML = '<p class="empty">—</p>';
      $("degraded").hidden = true; status(""); state.suggestProblem = null;
    });
    const reply = $("reply");
    reply.addEventListener("input", () => {
      CoachLint.renderBackdrop($("reply-backdrop"), reply.value, []); // keep the mirror aligned at once
      if (reply.value.trim()) setLint("pending"); // not checked yet: never the old "clean"
      scheduleLint();
    });
    reply.addEventListener("scroll", () => { $("reply-backdrop").scrollTop = reply.scrollTop; });
    $("send").addEventListener("click", sendReply);
    window.addEventListener("message", onMessage);
    fromFragment();
  }

  window.CoachPanel = { state, addTurn, setConversation, suggest, lintNow };
  init();
})();
