// The panel's own messages in the agent's language (zh-CN, zh-TW, en): chosen under Settings,
// else the browser's language. Labels stay bilingual in the page; what the panel *says* (status,
// lint state, why a call could not run and how to fix it) follows the agent. Violation messages
// and hints come from the server already worded.
"use strict";

(function (global) {
  const LANGS = ["zh-CN", "zh-TW", "en"];

  const MESSAGES = {
    "zh-CN": {
      "lint.clean": "✓ 没有发现问题",
      "passage.original": "看原文",
      "passage.converted": "看转换后的文字",
      "lint.pending": "正在检查…",
      "lint.failed": "没能检查这段回复，其中的问题不会标出。",
      "suggest.failed": "没能获取建议。",
      "why.no_key": "服务需要密钥，面板里还没有填写。",
      "why.bad_key": "服务不接受面板里填写的密钥。",
      "why.busy": "服务正忙。",
      "why.unavailable": "服务暂时不可用（可能正在启动）。",
      "why.too_large": "内容太长，服务不接收。",
      "why.rejected": "服务没有接受这次请求：{detail}",
      "why.server": "服务出错了。",
      "why.network": "连不上服务。",
      "why.cut_off": "回答中途断开了。",
      "why.stream": "服务报告了错误：{detail}",
      "fix.key": "请在“设置”里填写服务密钥，或用 /panel#key=您的密钥 打开面板。",
      "fix.bad_key": "请在“设置”里核对服务密钥（向管理员要当前的密钥）。",
      "fix.wait": "请 {seconds} 秒后再试。",
      "fix.later": "请稍后再试。",
      "fix.shorten": "请缩短内容后再试。",
      "fix.again": "请再试一次；一直出现的话，请告诉管理员。",
      "fix.network": "请检查网络连接后再试。",
      "action.settings": "打开设置",
      "action.recheck": "重新检查",
      "status.add_turn": "请先添加客户的话。",
      "status.bad_conversation": "地址里的对话不是有效的 JSON，已忽略。",
      "status.copied": "已复制。",
      "feedback.stored": "反馈已记录：{verdict}（#{id}）",
      "feedback.failed": "没能记录反馈。",
      "verdict.accepted": "采纳",
      "verdict.edited": "修改后采纳",
      "verdict.rejected": "拒绝",
      "role.customer": "客户",
      "role.agent": "客服",
      "degraded": "降级",
      "cited": "引用的规范",
      "progress.drafting": "正在起草回复…",
      "progress.rejected": "第 {attempt} 稿没有通过检查：{rules}。",
      "progress.rejected_empty": "第 {attempt} 稿是空的。",
      "progress.repairing": "正在修改（第 {attempt} 稿）…",
      "progress.falling_back": "改用标准回复：{reason}。",
      "progress.elapsed": "已等待 {seconds} 秒",
      "reason.timeout": "模型没能按时写完",
      "reason.llm_error": "模型服务出错或连不上",
      "reason.invalid_after_repair": "每一稿都没有通过检查",
      "reason.template_error": "提示模板出错",
      "rule.authority_exposure": "暴露权限边界",
      "rule.double_concession": "同一轮第二次让步",
      "rule.over_authority": "超出补偿权限",
      "rule.hostile_tone": "语气不当",
      "rule.refusal": "拒绝回应",
      "rule.parroting": "复述客户原话",
      "rule.markup": "含格式标记",
      "rule.wrong_language": "语言不对",
      "list.sep": "、",
    },
    "zh-TW": {
      "lint.clean": "✓ 沒有發現問題",
      "passage.original": "看原文",
      "passage.converted": "看轉換後的文字",
      "lint.pending": "正在檢查…",
      "lint.failed": "沒能檢查這段回覆，其中的問題不會標出。",
      "suggest.failed": "沒能取得建議。",
      "why.no_key": "服務需要密鑰，面板裡還沒有填寫。",
      "why.bad_key": "服務不接受面板裡填寫的密鑰。",
      "why.busy": "服務正忙。",
      "why.unavailable": "服務暫時無法使用（可能正在啟動）。",
      "why.too_large": "內容太長，服務不接收。",
      "why.rejected": "服務沒有接受這次請求：{detail}",
      "why.server": "服務出錯了。",
      "why.network": "連不上服務。",
      "why.cut_off": "回答中途斷開了。",
      "why.stream": "服務回報了錯誤：{detail}",
      "fix.key": "請在「設置 Settings」裡填寫服務密鑰，或用 /panel#key=您的密鑰 開啟面板。",
      "fix.bad_key": "請在「設置 Settings」裡核對服務密鑰（向管理員索取目前的密鑰）。",
      "fix.wait": "請 {seconds} 秒後再試。",
      "fix.later": "請稍後再試。",
      "fix.shorten": "請縮短內容後再試。",
      "fix.again": "請再試一次；一直出現的話，請告訴管理員。",
      "fix.network": "請檢查網路連線後再試。",
      "action.settings": "開啟設置",
      "action.recheck": "重新檢查",
      "status.add_turn": "請先新增客戶的話。",
      "status.bad_conversation": "網址裡的對話不是有效的 JSON，已忽略。",
      "status.copied": "已複製。",
      "feedback.stored": "回饋已記錄：{verdict}（#{id}）",
      "feedback.failed": "沒能記錄回饋。",
      "verdict.accepted": "採納",
      "verdict.edited": "修改後採納",
      "verdict.rejected": "拒絕",
      "role.customer": "客戶",
      "role.agent": "客服",
      "degraded": "降級",
      "cited": "引用的規範",
      "progress.drafting": "正在草擬回覆…",
      "progress.rejected": "第 {attempt} 稿沒有通過檢查：{rules}。",
      "progress.rejected_empty": "第 {attempt} 稿是空的。",
      "progress.repairing": "正在修改（第 {attempt} 稿）…",
      "progress.falling_back": "改用標準回覆：{reason}。",
      "progress.elapsed": "已等待 {seconds} 秒",
      "reason.timeout": "模型沒能按時寫完",
      "reason.llm_error": "模型服務出錯或連不上",
      "reason.invalid_after_repair": "每一稿都沒有通過檢查",
      "reason.template_error": "提示範本出錯",
      "rule.authority_exposure": "暴露權限邊界",
      "rule.double_concession": "同一輪第二次讓步",
      "rule.over_authority": "超出補償權限",
      "rule.hostile_tone": "語氣不當",
      "rule.refusal": "拒絕回應",
      "rule.parroting": "複述客戶原話",
      "rule.markup": "含格式標記",
      "rule.wrong_language": "語言不對",
      "list.sep": "、",
    },
    en: {
      "lint.clean": "✓ No problems found",
      "passage.original": "Show the original",
      "passage.converted": "Show in your script",
      "lint.pending": "Checking…",
      "lint.failed": "Could not check this reply, so problems in it are not marked.",
      "suggest.failed": "Could not get suggestions.",
      "why.no_key": "The service needs a key and none is entered in the panel.",
      "why.bad_key": "The service did not accept the key entered in the panel.",
      "why.busy": "The service is busy.",
      "why.unavailable": "The service is not available right now (it may be starting).",
      "why.too_large": "The text is too long for the service.",
      "why.rejected": "The service turned the request down: {detail}",
      "why.server": "The service had an error.",
      "why.network": "The service could not be reached.",
      "why.cut_off": "The answer was cut off.",
      "why.stream": "The service reported an error: {detail}",
      "fix.key": "Enter the service key under Settings, or open the panel as /panel#key=<your key>.",
      "fix.bad_key": "Check the service key under Settings (ask your administrator for the current one).",
      "fix.wait": "Try again in {seconds} s.",
      "fix.later": "Try again in a moment.",
      "fix.shorten": "Shorten the text and try again.",
      "fix.again": "Try again; if it keeps happening, tell your administrator.",
      "fix.network": "Check the network connection and try again.",
      "action.settings": "Open Settings",
      "action.recheck": "Check again",
      "status.add_turn": "Add a customer turn first.",
      "status.bad_conversation": "The conversation in the address is not valid JSON; it was ignored.",
      "status.copied": "Copied.",
      "feedback.stored": "Feedback stored: {verdict} (#{id})",
      "feedback.failed": "Could not store the feedback.",
      "verdict.accepted": "accepted",
      "verdict.edited": "edited",
      "verdict.rejected": "rejected",
      "role.customer": "Customer",
      "role.agent": "Agent",
      "degraded": "Degraded",
      "cited": "cited guideline",
      "progress.drafting": "Drafting a reply…",
      "progress.rejected": "Draft {attempt} did not pass the check: {rules}.",
      "progress.rejected_empty": "Draft {attempt} was empty.",
      "progress.repairing": "Rewriting it (draft {attempt})…",
      "progress.falling_back": "Using a standard reply: {reason}.",
      "progress.elapsed": "Waiting for {seconds} s",
      "reason.timeout": "the model did not finish in time",
      "reason.llm_error": "the model's service failed or could not be reached",
      "reason.invalid_after_repair": "every draft failed the check",
      "reason.template_error": "the prompt template failed",
      "rule.authority_exposure": "exposes the agent's limits",
      "rule.double_concession": "a second concession in one round",
      "rule.over_authority": "offers more than allowed",
      "rule.hostile_tone": "hostile tone",
      "rule.refusal": "refuses to answer",
      "rule.parroting": "repeats the customer's words",
      "rule.markup": "formatting marks",
      "rule.wrong_language": "wrong language",
      "list.sep": ", ",
    },
  };

  let current = "en";

  // The first of the browser's languages the panel speaks: zh-TW for Traditional Chinese
  // (Taiwan, Hong Kong, Macau, zh-Hant), zh-CN for other Chinese, en for English; else en.
  function fromBrowser(languages) {
    for (const tag of languages || []) {
      const t = String(tag).toLowerCase();
      if (/^zh-(hant|tw|hk|mo)\b/.test(t)) return "zh-TW";
      if (t === "zh" || t.startsWith("zh-")) return "zh-CN";
      if (t === "en" || t.startsWith("en-")) return "en";
    }
    return "en";
  }

  // The chosen language when it is one the panel speaks, else the browser's.
  function use(chosen, languages) {
    current = LANGS.includes(chosen) ? chosen : fromBrowser(languages);
    return current;
  }

  function t(key, vars) {
    const text = MESSAGES[current][key] ?? MESSAGES.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (m, name) => (vars && name in vars ? String(vars[name]) : m));
  }

  // The message for `key` when there is one, else `fallback` (an id the panel has no words for).
  function tOr(key, fallback, vars) {
    return key in MESSAGES[current] || key in MESSAGES.en ? t(key, vars) : fallback;
  }

  // Sentences run together in Chinese and take a space between them in English.
  const gap = () => (current === "en" ? " " : "");
  const sentences = (...parts) => parts.filter(Boolean).join(gap());

  global.CoachI18n = { LANGS, MESSAGES, fromBrowser, use, t, tOr, gap, sentences, lang: () => current };
})(window);
