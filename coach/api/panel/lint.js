// Live lint: the agent's reply mirrored in a backdrop behind the textarea, with each violating
// span wrapped in a <mark>. Spans from /v1/validate count Unicode code points (Python string
// indices); JavaScript strings count UTF-16 units, so they are converted before slicing.
"use strict";

(function (global) {
  // UTF-16 offset of the code point index `cp` in `text`.
  function utf16Offset(text, cp) {
    let units = 0;
    let points = 0;
    for (const ch of text) {
      if (points >= cp) break;
      units += ch.length;
      points += 1;
    }
    return units;
  }

  // Non-overlapping [start, end) UTF-16 ranges, each with the violations that cover it.
  function ranges(text, violations) {
    const spans = [];
    for (const v of violations || []) {
      if (!Array.isArray(v.span) || v.span.length !== 2) continue;
      const start = utf16Offset(text, v.span[0]);
      const end = utf16Offset(text, v.span[1]);
      if (end > start) spans.push({ start, end, items: [v] });
    }
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const merged = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      if (last && s.start < last.end) {
        last.end = Math.max(last.end, s.end);
        last.items.push(...s.items);
      } else {
        merged.push({ start: s.start, end: s.end, items: s.items.slice() });
      }
    }
    return merged;
  }

  function describe(v) {
    return v.hint ? `${v.message} — ${v.hint}` : v.message;
  }

  // Rebuilds the backdrop: plain text nodes and <mark class="violation"> for each range.
  function renderBackdrop(backdrop, text, violations) {
    backdrop.textContent = "";
    let at = 0;
    for (const r of ranges(text, violations)) {
      if (r.start > at) backdrop.appendChild(document.createTextNode(text.slice(at, r.start)));
      const mark = document.createElement("mark");
      mark.className = "violation" + (r.items.some((v) => v.severity === "block") ? " block" : " warn");
      mark.dataset.rule = r.items.map((v) => v.rule).join(" ");
      mark.title = r.items.map(describe).join("\n");
      mark.textContent = text.slice(r.start, r.end);
      backdrop.appendChild(mark);
      at = r.end;
    }
    // A trailing newline needs content after it to take up a line, as in the textarea.
    backdrop.appendChild(document.createTextNode(text.slice(at) + "\u200b"));
  }

  function renderList(list, violations) {
    list.textContent = "";
    for (const v of violations || []) {
      const li = document.createElement("li");
      li.className = "lint-item " + (v.severity || "warn");
      li.dataset.rule = v.rule;
      const rule = document.createElement("code");
      rule.textContent = v.rule;
      const msg = document.createElement("span");
      msg.className = "lint-message";
      msg.textContent = ` ${v.message} `;
      const quote = document.createElement("q");
      quote.textContent = v.evidence || "";
      li.append(rule, msg, quote);
      if (v.hint) {
        const hint = document.createElement("div");
        hint.className = "lint-hint";
        hint.textContent = `→ ${v.hint}`;
        li.appendChild(hint);
      }
      list.appendChild(li);
    }
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  global.CoachLint = { utf16Offset, ranges, renderBackdrop, renderList, debounce };
})(window);
