"use strict";
// adhere report: failures with filters and search, and flipped samples side by side.
// Every string from a run is put on the page as a text node (never as markup).
async function loadReportData() {
  // gzip-compressed JSON in base64, unpacked by the browser itself (no request is made)
  const text = document.getElementById("report-data").textContent.trim();
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

function startReport(data) {
  const PAGE = 50;

  function el(tag, cls, ...children) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }
  function family(id) { return id.split(":")[0]; }
  function words(text) { const t = text.trim(); return t ? t.split(/\s+/).length : 0; }
  function verdictClass(passed) {
    return passed === true ? "v-pass" : passed === false ? "v-fail" : "v-undecided";
  }
  function verdictWord(passed) {
    return passed === true ? "followed" : passed === false ? "not followed" : "undecided";
  }

  function verdictTable(ids, verdicts) {
    const body = el("tbody", null);
    ids.forEach(function (id, k) {
      const v = verdicts[k];
      const row = el("tr", verdictClass(v[0]), el("td", null, id), el("td", null,
        verdictWord(v[0])), el("td", null, v[1]));
      body.append(row);
    });
    const head = el("thead", null, el("tr", null, el("th", null, "constraint"),
      el("th", null, "verdict"), el("th", null, "evidence")));
    return el("table", "verdicts", head, body);
  }

  function responseBlock(result) {
    if (result.none) return el("p", "note", "no response (the request failed or was never made)");
    const meta = words(result.response) + " words" +
      (result.finish ? ", finish reason: " + result.finish : "");
    return el("div", null, el("div", "label", "response (" + meta + ")"),
      el("pre", "response", result.response));
  }

  // ---- failures ---------------------------------------------------------------------------
  const failures = [];
  data.results.forEach(function (results, run) {
    for (const uid of Object.keys(results)) {
      failures.push({ run: run, uid: uid, result: results[uid], hay: null });
    }
  });
  const state = { run: "all", mode: "strict", family: "", id: "", query: "", shown: 0, list: [] };
  const $ = function (id) { return document.getElementById(id); };

  function failedIds(item, mode) {
    const sample = data.samples[item.uid];
    const out = [];
    item.result[mode].forEach(function (v, k) { if (v[0] !== true) out.push(sample.ids[k]); });
    return out;
  }
  function haystack(item) {
    if (item.hay === null) {
      const sample = data.samples[item.uid];
      const parts = [sample.key, sample.prompt, item.result.response];
      for (const v of item.result.strict) parts.push(v[1]);
      for (const v of item.result.loose) parts.push(v[1]);
      item.hay = parts.join("\n").toLowerCase();
    }
    return item.hay;
  }

  function fillSelect(select, values, allLabel) {
    const keep = select.value;
    select.replaceChildren();
    const all = el("option", null, allLabel);
    all.value = "";
    select.append(all);
    for (const value of values) {
      const option = el("option", null, value[1]);
      option.value = value[0];
      select.append(option);
    }
    if (values.some(function (v) { return v[0] === keep; })) select.value = keep;
  }

  function filterOptions() {
    const families = new Map();
    const ids = new Map();
    for (const item of failures) {
      if (state.run !== "all" && String(item.run) !== state.run) continue;
      for (const id of failedIds(item, state.mode)) {
        ids.set(id, (ids.get(id) || 0) + 1);
        families.set(family(id), (families.get(family(id)) || 0) + 1);
      }
    }
    const sorted = function (map) {
      return Array.from(map.keys()).sort().map(function (k) {
        return [k, k + " (" + map.get(k) + ")"];
      });
    };
    fillSelect($("f-family"), sorted(families), "all families");
    fillSelect($("f-id"), sorted(ids), "all constraints");
    state.family = $("f-family").value;
    state.id = $("f-id").value;
  }

  function matches(item) {
    if (state.run !== "all" && String(item.run) !== state.run) return false;
    const failed = failedIds(item, state.mode);
    if (failed.length === 0) return false;
    if (state.id && failed.indexOf(state.id) < 0) return false;
    if (state.family && !failed.some(function (id) { return family(id) === state.family; })) {
      return false;
    }
    return !state.query || haystack(item).indexOf(state.query) >= 0;
  }

  function failureCard(item) {
    const sample = data.samples[item.uid];
    const head = el("header", null, el("span", "key", sample.key));
    if (data.runs.length > 1) head.append(el("span", "runname", data.runs[item.run]));
    for (const id of failedIds(item, state.mode)) head.append(el("span", "chip", id));
    const card = el("article", "failure", head,
      verdictTable(sample.ids, item.result[state.mode]),
      el("details", null, el("summary", null, "prompt"), el("pre", "prompt", sample.prompt)),
      responseBlock(item.result));
    card.dataset.uid = item.uid;
    return card;
  }

  function showMore() {
    const list = $("f-list");
    const end = Math.min(state.list.length, state.shown + PAGE);
    const frag = document.createDocumentFragment();
    for (let i = state.shown; i < end; i++) frag.append(failureCard(state.list[i]));
    list.append(frag);
    state.shown = end;
    $("f-more").hidden = state.shown >= state.list.length;
    $("f-more").textContent = "show more (" + (state.list.length - state.shown) + " left)";
  }

  function refresh() {
    state.list = failures.filter(matches);
    state.shown = 0;
    $("f-list").replaceChildren();
    let total = 0;
    for (const item of failures) {
      if ((state.run === "all" || String(item.run) === state.run) &&
          failedIds(item, state.mode).length) total++;
    }
    $("f-count").textContent = state.list.length + " of " + total + " failed samples (" +
      state.mode + ")";
    showMore();
  }

  function setUpFailures() {
    const runSelect = $("f-run");
    const all = el("option", null, "all runs");
    all.value = "all";
    runSelect.append(all);
    data.runs.forEach(function (name, i) {
      const option = el("option", null, name);
      option.value = String(i);
      runSelect.append(option);
    });
    if (data.runs.length < 2) runSelect.parentElement.hidden = true;
    runSelect.addEventListener("change", function () {
      state.run = runSelect.value; filterOptions(); refresh();
    });
    $("f-mode").addEventListener("change", function () {
      state.mode = $("f-mode").value; filterOptions(); refresh();
    });
    $("f-family").addEventListener("change", function () {
      state.family = $("f-family").value; refresh();
    });
    $("f-id").addEventListener("change", function () { state.id = $("f-id").value; refresh(); });
    let timer = 0;
    $("f-search").addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        state.query = $("f-search").value.trim().toLowerCase(); refresh();
      }, 120);
    });
    $("f-more").addEventListener("click", showMore);
    filterOptions();
    refresh();
  }

  // ---- flips, side by side ----------------------------------------------------------------
  function side(run, uid, mode) {
    const result = data.results[run][uid];
    const sample = data.samples[uid];
    const ok = result[mode].every(function (v) { return v[0] === true; });
    return el("div", null,
      el("h4", null, data.runs[run] + ": " + (ok ? "all followed" : "failed") + " (" + mode + ")"),
      verdictTable(sample.ids, result[mode]), responseBlock(result));
  }

  function setUpFlips(box, comparison) {
    const flips = comparison.flips;
    const fixed = flips.filter(function (f) { return f[1] === "strict" && f[3]; }).length;
    const broken = flips.filter(function (f) { return f[1] === "strict" && !f[3]; }).length;
    box.append(el("h4", null, "Flipped samples: " + fixed + " fixed, " + broken +
      " broken (strict); " + (flips.length - fixed - broken) + " flips in loose mode"));
    if (!flips.length) return;
    box.append(el("p", "hint", "Click a sample to see its two responses side by side."));
    const list = el("div", "fliplist");
    const view = el("div", "pair");
    view.hidden = true;
    let shown = 0;
    const more = el("button", null, "");
    more.type = "button";
    function addRows() {
      const end = Math.min(flips.length, shown + 200);
      for (let i = shown; i < end; i++) {
        const flip = flips[i];
        const sample = data.samples[flip[0]];
        const row = el("button", null, el("span", "key", sample.key),
          el("span", flip[3] ? "fixed" : "broken", flip[3] ? "fixed" : "broken"),
          el("span", "runname", flip[1]));
        row.type = "button";
        row.dataset.uid = flip[0];
        row.addEventListener("click", function () {
          for (const on of list.querySelectorAll("button.on")) on.classList.remove("on");
          row.classList.add("on");
          view.replaceChildren(
            el("header", null, el("span", "key", sample.key)),
            el("details", null, el("summary", null, "prompt"), el("pre", "prompt", sample.prompt)),
            el("div", "side", side(comparison.baseline, flip[0], flip[1]),
              side(comparison.other, flip[0], flip[1])));
          view.hidden = false;
        });
        list.insertBefore(row, more);
      }
      shown = end;
      more.hidden = shown >= flips.length;
      more.textContent = "show more (" + (flips.length - shown) + " left)";
    }
    more.addEventListener("click", addRows);
    list.append(more);
    addRows();
    box.append(list, view);
  }

  setUpFailures();
  for (const box of document.querySelectorAll(".flips")) {
    setUpFlips(box, data.comparisons[Number(box.dataset.comparison)]);
  }
  document.body.dataset.ready = "1";
}

loadReportData().then(startReport).catch(function (error) {
  const box = document.getElementById("f-list");
  box.textContent = "The report's data could not be read: " + error;
  console.error(error);
});
