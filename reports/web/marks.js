// outbench report page: what is drawn on top of the plots (window.obMarks), used by report.js and compare.js.
// - Limits: where a verdict rule of results.json judges a curve, its limit as a dashed grey line on that plot,
//   labelled with the rule and its result: the response tolerance (±limit over 20 Hz–20 kHz, rules
//   "response" and "response_<ohms>"), THD+N at nominal level (rule "thdn": a segment 6 dB wide at the
//   nominal level, on a volt axis only) and |Zout| (rules "zout" and "damping_<ohms>", over 20 Hz–20 kHz).
//   Only evaluated rules; a limit far outside the data is not drawn into the axis but its label says
//   "off scale" (report.js chart(): a limit widens the axis at most to 4 times the data's span).
// - Faded per-load |Zout| estimates: an estimate whose expanded uncertainty (per point u95_ohms, k = 2) is
//   more than 10 % of the combined |Zout| at the median point carries no information on this device (e.g. a
//   1 Ω source measured with 10 kΩ); it is drawn faded, says why in its legend label, and does not set the axes.
//   Files without u95_ohms draw every estimate as before.
// - Warning tags: every plot a warning of the warnings box qualifies gets a marker "⚠ N" linking to it
//   (#warning-N). A warning names its port ("headphone: …") and maybe a load ("headphone into 32: …"); its
//   words say which plots it concerns (below); run-wide warnings (no port) tag no plot.
(function () {
  "use strict";
  const F = window.obFmt;
  const has = (v) => v !== null && v !== undefined && Number.isFinite(Number(v));
  // The rule's result as the rules table grades it: an informational rule (shown, not counted in the verdict)
  // reads "information (within|outside)", never "pass"/"fail".
  const word = (r) => (r.informational ? "information (" + (r.pass ? "within" : "outside") + ")"
    : r.grade === "marginal" ? "marginal" : r.grade === "conditional" ? "short" : r.pass ? "pass" : "fail");
  const band = (f) => f >= 20 && f <= 20000;
  const limitStyle = { color: "#888", width: 1.5, limit: true };
  const FADE_REL_U95 = 0.1;

  // The load a rule judges: "response_32" -> the load of 32 ohms; "response" -> the line load of the question.
  function ruleLoad(id, v) {
    let ohms = Number(id.split("_")[1]);
    if (!has(ohms)) {
      const m = /into ([0-9.]+)\s*(k?)\s*(?:ohm|Ω)/.exec(v.question || "");
      ohms = m ? Number(m[1]) * (m[2] ? 1000 : 1) : 10000;
    }
    return F.ohms(ohms);
  }

  // The evaluated rules of the verdicts on this port that judge a curve.
  function limitsOf(results, portName) {
    const out = { response: [], zout: [], thdn: [] };
    for (const v of results.verdicts || []) {
      if (v.port !== portName || v.applicable === false) continue;
      for (const r of v.rules || []) {
        const id = r.id || "";
        if (!r.evaluated || !has(r.limit)) continue;
        if (id === "response" || id.startsWith("response_")) out.response.push({ load: ruleLoad(id, v), limit: r.limit, word: word(r) });
        else if (id === "zout") out.zout.push({ limit: r.limit, what: "as a " + ((v.line_level && v.line_level.name) || "") + " line out", word: word(r) });
        else if (id.startsWith("damping_")) out.zout.push({ limit: r.limit, what: "damping into " + ruleLoad(id, v), word: word(r) });
        else if (id === "thdn" && v.line_level && has(v.line_level.dbv))
          out.thdn.push({ limit: r.limit, dbv: v.line_level.dbv, what: "at " + F.lineLevel(v.line_level.dbv) + " (" + v.line_level.name + " line out)", word: word(r) });
      }
    }
    return out;
  }

  // One label per limit value: "≤ 4 Ω: damping into 32 Ω fail; …" (duplicates, e.g. two line levels, once).
  function grouped(list, key) {
    const m = new Map();
    for (const x of list) {
      const k = key(x), s = m.get(k) || new Set();
      m.set(k, s.add(x.text));
    }
    return [...m.entries()].map(([k, s]) => ({ value: k, text: [...s].join("; ") }));
  }

  // Series for the response plot: the tolerance band's two edges over 20 Hz–20 kHz.
  function responseLimits(results, portName, xs) {
    const g = grouped(limitsOf(results, portName).response.map((x) => ({ limit: x.limit, text: x.load + " " + x.word })), (x) => x.limit);
    return g.flatMap((x) => [1, -1].map((s) => Object.assign({ label: (s > 0 ? "limit ±" + F.num(x.value, 2) + " dB: " + x.text : "limit −" + F.num(x.value, 2) + " dB"),
      values: xs.map((f) => (band(f) ? s * x.value : null)), limitValue: s * x.value, dash: [6, 4] }, limitStyle)));
  }

  // Series for the |Zout| plot: each limit over 20 Hz–20 kHz.
  function zoutLimits(results, portName, xs) {
    const g = grouped(limitsOf(results, portName).zout.map((x) => ({ limit: x.limit, text: x.what + " " + x.word })), (x) => x.limit);
    return g.map((x, i) => Object.assign({ label: "limit ≤ " + F.num(x.value, x.value < 10 ? 2 : x.value < 100 ? 1 : 0) + " Ω: " + x.text,
      values: xs.map((f) => (band(f) ? x.value : null)), limitValue: x.value, dash: [[6, 4], [2, 3], [10, 3, 2, 3]][i % 3] }, limitStyle));
  }

  // THD+N at nominal level: [{x: [lo, hi], y: [limit, limit], label, limitValue}] to join into the level plot.
  function thdnSegments(results, portName) {
    return limitsOf(results, portName).thdn.map((x) => ({ x: [x.dbv - 3, x.dbv + 3], y: [x.limit, x.limit], limitValue: x.limit,
      label: "limit ≤ " + F.num(x.limit, 0) + " dB " + x.what + ": " + x.word }));
  }

  // A per-load estimate's uncertainty relative to the combined |Z| (median over the points), or null.
  function relativeU95(perLoad, combined) {
    const r = perLoad.points.map((p, k) => (has(p.u95_ohms) && combined[k] && combined[k].z_ohms > 0 ? p.u95_ohms / combined[k].z_ohms : null)).filter((x) => x !== null);
    if (!r.length) return null;
    r.sort((a, b) => a - b);
    return r[Math.floor(r.length / 2)];
  }
  // null when the estimate informs, else the reason shown in its legend label.
  function fadeReason(perLoad, combined) {
    const r = relativeU95(perLoad, combined);
    return r !== null && r > FADE_REL_U95 ? "faded: ±" + F.num(100 * r, 0) + " % of |Z| at k = 2, no information" : null;
  }

  // Which plots a warning qualifies, by its words; the first match decides.
  const ALL = ["response", "impedance", "phase", "level", "maxlevel", "thdn_freq", "crosstalk", "spectrum", "noise"];
  const KINDS = [
    [/did not switch|LOADS NOT CONNECTED/i, ALL],
    [/impedance|\|Zout\||relay|did not move the level/i, ["impedance", "phase"]],
    [/mutes on digital silence/i, ["noise"]],
    [/analyser|loopback input's full scale/i, ["spectrum", "noise", "level", "thdn_freq"]],
    [/safety limit|calibrated/i, ["level", "maxlevel", "spectrum"]],
  ];
  let parsed = null;
  function warnings() {
    if (parsed) return parsed;
    const ports = [];
    try { for (const p of JSON.parse(document.getElementById("outbench-data").textContent).results.ports) ports.push(p.name); } catch (e) { /* compare page: no tags */ }
    parsed = [...document.querySelectorAll("#outbench-warnings li[id^='warning-']")].map((li) => {
      const t = li.textContent, n = Number(li.id.slice(8));
      const port = ports.find((p) => t.startsWith(p + ": ") || t.startsWith(p + " into "));
      if (!port) return { n, port: null };
      const m = new RegExp("^" + port + " into ([^:]+): ").exec(t);
      const k = KINDS.find(([re]) => re.test(t));
      return { n, port, load: m ? m[1] : null, kinds: k ? k[1] : ALL, text: t };
    });
    return parsed;
  }
  // The warnings that qualify a plot or figure; t = {port, kind, loads: [load names]}.
  function hitsFor(t) {
    return warnings().filter((w) => w.port === t.port && w.kinds.includes(t.kind) && (!w.load || (t.loads || []).includes(w.load)));
  }
  function appendTags(el, hits) {
    for (const w of hits) {
      const a = document.createElement("a");
      a.className = "warntag";
      a.href = "#warning-" + w.n;
      a.title = w.text;
      a.textContent = "⚠ " + w.n;
      el.appendChild(a);
    }
  }
  // Adds "⚠ N" links to a figure's cell (the summary table), as tag() does to a plot's title.
  function tagCell(cell, t) {
    const hits = hitsFor(t);
    if (!hits.length) return;
    cell.parentNode.dataset.warnings = hits.map((w) => w.n).join(",");
    appendTags(cell, hits);
  }
  // Adds "⚠ N" links to a plot's title; tag = {port, kind, loads: [load names]}.
  function tag(box, t) {
    if (!t) return;
    box.dataset.port = t.port;
    box.dataset.kind = t.kind;
    const hits = hitsFor(t);
    if (!hits.length) return;
    box.dataset.warnings = hits.map((w) => w.n).join(",");
    appendTags(box.querySelector(".t"), hits);
  }

  window.obMarks = { limitsOf, responseLimits, zoutLimits, thdnSegments, fadeReason, relativeU95, tag, tagCell, FADE_REL_U95 };
})();
