// Why a call to the service could not run, and what the agent can do about it, in plain words
// (CoachI18n). A problem is {kind, status, retryAfter, detail}; every non-2xx answer and every
// network failure becomes one, so the panel never shows an unchecked reply as a clean one.
"use strict";

(function (global) {
  const t = (key, vars) => global.CoachI18n.t(key, vars);

  // What went wrong, from a non-2xx response; `keyEntered`: the panel sent a key.
  async function fromResponse(response, keyEntered) {
    let detail = "";
    try {
      const body = await response.json();
      detail = (body && body.error && body.error.message) || "";
    } catch (_) { /* not JSON: the status says enough */ }
    const s = response.status;
    const retry = parseInt(response.headers.get("Retry-After") || "", 10);
    const kind =
      s === 401 ? (keyEntered ? "bad_key" : "no_key")
      : s === 403 ? "bad_key"
      : s === 413 ? "too_large"
      : s === 429 ? "busy"
      : s === 502 || s === 503 || s === 504 ? "unavailable"
      : s >= 500 ? "server"
      : "rejected";
    return { kind, status: s, retryAfter: Number.isFinite(retry) ? retry : null, detail: detail || `${s} ${response.statusText}` };
  }

  function fromError(err) {
    return { kind: "network", status: null, retryAfter: null, detail: (err && err.message) || String(err) };
  }

  function fromStream(kind, detail) {
    return { kind, status: null, retryAfter: null, detail: detail || "" };
  }

  // The sentence saying why, and the one saying how to fix it.
  function why(p) { return t(`why.${p.kind}`, { detail: p.detail }); }

  function fix(p) {
    switch (p.kind) {
      case "no_key": return t("fix.key");
      case "bad_key": return t("fix.bad_key");
      case "busy": return p.retryAfter ? t("fix.wait", { seconds: p.retryAfter }) : t("fix.later");
      case "unavailable": return t("fix.later");
      case "too_large": return t("fix.shorten");
      case "network": return t("fix.network");
      default: return t("fix.again");
    }
  }

  function needsKey(p) { return p.kind === "no_key" || p.kind === "bad_key"; }

  // Fills `box` with the headline, why, the fix and action buttons ({label, action, onClick}).
  function render(box, headline, p, actions) {
    box.textContent = "";
    box.dataset.problem = p.kind;
    const head = document.createElement("strong");
    head.className = "problem-headline";
    head.textContent = headline;
    const reason = document.createElement("span");
    reason.className = "problem-why";
    reason.textContent = global.CoachI18n.gap() + why(p);
    const remedy = document.createElement("div");
    remedy.className = "problem-fix";
    remedy.textContent = fix(p);
    box.append(head, reason);
    if (p.status) {
      const code = document.createElement("code");
      code.className = "problem-status";
      code.textContent = ` HTTP ${p.status}`;
      box.appendChild(code);
    }
    box.appendChild(remedy);
    for (const a of actions || []) {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.action = a.action;
      b.textContent = a.label;
      b.addEventListener("click", a.onClick);
      remedy.append(" ", b);
    }
    return box;
  }

  global.CoachProblems = { fromResponse, fromError, fromStream, why, fix, needsKey, render };
})(window);
