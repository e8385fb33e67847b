// Values read back from the drawn plots (the page opened with #plotdata writes every plot's series, as
// uPlot holds them, into <pre id="outbench-plotdata">) against the results.json files they were drawn from.
// usage: node check_plots.js report DOM.html results.json   — limits drawn, faded per-load |Zout|, warning tags
//        node check_plots.js compare DOM.html a.json b.json … — each run's overlaid |Zout| near 1 kHz
"use strict";
const fs = require("fs");
const [mode, domFile, ...files] = process.argv.slice(2);
const dom = fs.readFileSync(domFile, "utf8");
const unesc = (s) => s.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const m = /<pre id="outbench-plotdata"[^>]*>([\s\S]*?)<\/pre>/.exec(dom);
if (!m) { console.log("FAIL plots: no plot data on the page (#plotdata)"); process.exit(1); }
const plots = JSON.parse(unesc(m[1]));
const runs = files.map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
const fails = [];
let checked = 0;
const near = (a, b, tol) => Math.abs(a - b) <= tol;
const plot = (port, kind) => plots.find((p) => p.port === port && p.kind === kind);
const values = (s) => s.values.filter((v) => v !== null && v !== undefined);

if (mode === "report") {
  const r = runs[0];
  for (const v of r.verdicts) {
    if (!v.applicable) continue;
    for (const rule of v.rules) {
      if (!rule.evaluated) continue;
      const kind = rule.id.startsWith("response") ? "response" : rule.id === "zout" || rule.id.startsWith("damping_") ? "impedance" : rule.id === "thdn" ? "level" : null;
      if (!kind) continue;
      const p = plot(v.port, kind);
      if (!p) { fails.push(v.port + ": no " + kind + " plot for rule " + rule.id); continue; }
      // The limit line: a series labelled "limit …" whose drawn values all equal the rule's limit.
      const lim = p.series.filter((s) => /^limit/.test(s.label) && values(s).length && values(s).every((y) => near(Math.abs(y), Math.abs(rule.limit), 1e-9)));
      if (!lim.length) { fails.push(v.port + " " + kind + " plot: no limit line at " + rule.limit + " (rule " + rule.id + ")"); continue; }
      // Over 20 Hz–20 kHz only (frequency plots); the rule's result in the label.
      const s = lim[0];
      if (kind !== "level" && s.values.some((y, i) => y !== null && (p.x[i] < 20 || p.x[i] > 20000))) fails.push(kind + " limit drawn outside 20 Hz–20 kHz");
      // As the rules table grades it: an informational rule (damping) reads "information", never pass/fail.
      const word = rule.informational ? "information (" + (rule.pass ? "within" : "outside") + ")"
        : rule.grade === "marginal" ? "marginal" : rule.grade === "conditional" ? "short" : rule.pass ? "pass" : "fail";
      if (rule.informational && lim.some((x) => new RegExp(rule.description.replace(/ohm/, "Ω") + " (pass|fail)").test(x.label)))
        fails.push(v.port + " " + kind + ": informational rule " + rule.id + " labelled pass/fail: '" + s.label + "'");
      if (!lim.some((x) => x.label.includes(word))) fails.push(v.port + " " + kind + ": limit label '" + s.label + "' lacks '" + word + "' (rule " + rule.id + ")");
      checked++;
    }
  }
  // Per-load |Zout| estimates: faded exactly where the median u95 exceeds 10 % of the combined |Z|, and a
  // faded one does not stretch the axis.
  let faded = 0;
  for (const port of r.ports) {
    const imp = port.output_impedance, p = plot(port.name, "impedance");
    if (!port.present || !imp || !p) continue;
    // |Z| is a magnitude: its axis never runs below 0 ohm (padding or the minimum span once drew -0.92).
    if (!(p.y_range[0] >= 0)) fails.push(port.name + ": the |Z| axis starts at " + p.y_range[0] + " Ω");
    for (const z of imp.per_load.filter((x) => x.valid)) {
      const rel = z.points.map((q, k) => q.u95_ohms / imp.points[k].z_ohms).filter(Number.isFinite).sort((a, b) => a - b);
      if (!rel.length) continue;
      const want = rel[Math.floor(rel.length / 2)] > 0.1;
      const s = p.series.find((x) => x.label.startsWith(z.load_ohms >= 1000 ? z.load_ohms / 1000 + " kΩ load" : z.load_ohms + " Ω load"));
      if (!s) { fails.push(port.name + ": no per-load series for " + z.load_ohms + " Ω"); continue; }
      if (/faded/.test(s.label) !== want) fails.push(port.name + " " + z.load_ohms + " Ω: faded " + /faded/.test(s.label) + ", expected " + want + " ('" + s.label + "')");
      if (want) {
        faded++;
        const top = Math.max(...values(s));
        const dataTop = Math.max(...imp.points.map((q) => q.z_ohms + (q.u95_ohms || 0)));
        if (top > dataTop * 1.5 && p.y_range[1] >= top) fails.push(port.name + ": the faded " + z.load_ohms + " Ω estimate sets the axis (" + p.y_range[1] + " Ω)");
      }
      checked++;
    }
  }
  // Warning tags: a warning "PORT into LOAD: … analyser's own floor …" tags that port's THD+N-versus-level plot
  // (the load is drawn there) with a link to it, and not its frequency response.
  const boxes = [...dom.matchAll(/<div class="plot[^"]*"([^>]*)>/g)].map((x) => {
    const a = (n) => (new RegExp(n + '="([^"]*)"').exec(x[1]) || [])[1];
    return { port: a("data-port"), kind: a("data-kind"), warnings: (a("data-warnings") || "").split(",").filter(Boolean).map(Number) };
  });
  let tagged = 0;
  for (const w of dom.matchAll(/<li class="warn" id="warning-(\d+)">([^<]*)<\/li>/g)) {
    const n = Number(w[1]), t = unesc(w[2]), mm = /^(\w+) into ([^:]+): within 3 dB of the analyser's own floor/.exec(t);
    if (!mm) continue;
    const lv = boxes.find((b) => b.port === mm[1] && b.kind === "level"), rs = boxes.find((b) => b.port === mm[1] && b.kind === "response");
    if (!lv || !lv.warnings.includes(n)) fails.push("warning " + n + " ('" + t.slice(0, 60) + "') does not tag the " + mm[1] + " THD+N-versus-level plot");
    if (rs && rs.warnings.includes(n)) fails.push("warning " + n + " tags the " + mm[1] + " frequency response");
    if (!new RegExp('<a class="warntag" href="#warning-' + n + '"').test(dom)) fails.push("no link to #warning-" + n);
    tagged++;
  }
  if (r.warnings.some((w) => /analyser's own floor/.test(w)) && !tagged) fails.push("no analyser-floor warning found in the warnings box");
  checked += tagged;
  // Maximum level per load: one bar per valid load that found its 1 % point, in the order of results.json, each
  // bar's height its at_1pct (Vrms, or ADC dBFS uncalibrated), the mW points and each channel's 1 % point equal
  // to results.json's, and under each bar (the x axis's tick labels as drawn) the load and why the search
  // stopped; the legend says "at 1 % THD+N" only when every load stopped there.
  const stopShort = { thdn_1pct: "1 % THD+N", current_limit: "current limit", rail_clipping: "rails", compression: "compression",
    safety_limit: "safety limit", full_scale: "full scale", input_full_scale: "input full scale", no_signal: "no signal" };
  const loadText = (l) => (l.load_ohms === "open" || l.load === "open" ? "open" : l.load_ohms >= 1000 ? l.load_ohms / 1000 + " kΩ" : l.load_ohms + " Ω");
  let bars = 0;
  for (const port of r.ports) {
    if (!port.present || !port.loads) continue;
    const ml = port.loads.filter((l) => l.valid && l.max_level && l.max_level.at_1pct.found);
    const p = plot(port.name, "maxlevel");
    if (!ml.length) { if (p) fails.push(port.name + ": a maximum-level plot with no load that found its 1 % point"); continue; }
    if (!p) { fails.push(port.name + ": no maximum-level plot"); continue; }
    const volts = ml.some((l) => l.max_level.at_1pct.vrms !== undefined);
    const bar = p.series[0], mw = p.series.find((s) => s.label.startsWith("mW")), chs = ["L", "R"].map((n) => p.series.find((s) => s.label === n + " channel"));
    if (p.x.length !== ml.length) fails.push(port.name + " maximum level: " + p.x.length + " bars, results.json has " + ml.length + " loads");
    const reasons = ml.map((l) => l.max_level.stop_reason);
    const wantLegend = reasons.every((x) => x === "thdn_1pct") ? "at 1 % THD+N" : reasons.every((x) => x === "full_scale") ? "at full-scale drive" : "where the search stopped";
    if (!bar.label.includes(wantLegend)) fails.push(port.name + " maximum level: legend '" + bar.label + "', expected it to say '" + wantLegend + "'");
    if (!p.x_ticks || p.x_ticks.length < ml.length) fails.push(port.name + " maximum level: x tick labels " + JSON.stringify(p.x_ticks));
    ml.forEach((l, i) => {
      const a = l.max_level.at_1pct, want = volts ? a.vrms : a.out_dbfs, where = port.name + " maximum level into " + l.load;
      if (!near(bar.values[i], want, 1e-9 * Math.abs(want))) fails.push(where + ": bar drawn at " + bar.values[i] + ", results.json " + want);
      if (a.mw !== undefined && !(mw && near(mw.values[i], a.mw, 1e-9 * a.mw))) fails.push(where + ": mW drawn " + (mw && mw.values[i]) + ", results.json " + a.mw);
      for (const c of l.channels || []) {
        const cm = c.max_level && c.max_level.at_1pct;
        if (!cm || !cm.found || c.channel > 1) continue;
        const cw = volts ? cm.vrms : cm.out_dbfs, s = chs[c.channel];
        if (!s || !near(s.values[i], cw, 1e-9 * Math.abs(cw))) fails.push(where + ": channel " + c.channel + " drawn " + (s && s.values[i]) + ", results.json " + cw);
      }
      const tick = p.x_ticks && p.x_ticks[i];
      const wantTick = loadText(l) + "\n" + (stopShort[l.max_level.stop_reason] || l.max_level.stop_reason);
      if (tick !== wantTick) fails.push(where + ": label under the bar " + JSON.stringify(tick) + ", expected " + JSON.stringify(wantTick));
      bars++;
    });
  }
  if (!bars) fails.push("no maximum-level bar checked");
  // Axes that fit the data: a frequency axis ends at the data (no decade rounding out to 100 kHz), and a dB
  // axis spans at least 1 dB (response) or 10 dB (THD+N versus level, crosstalk), so noise is not a feature.
  let axes = 0;
  for (const p of plots.filter((q) => q.port && ["response", "impedance", "phase", "crosstalk", "spectrum", "noise"].includes(q.kind))) {
    const xs = p.x.filter((x) => x !== null && Number.isFinite(x));
    const lo = Math.min(...xs), hi = Math.max(...xs);
    if (!p.x_range || !near(p.x_range[0], lo, 1e-6 * lo) || !near(p.x_range[1], hi, 1e-6 * hi))
      fails.push(p.port + " " + p.kind + ": frequency axis " + JSON.stringify(p.x_range) + ", data " + lo + "–" + hi + " Hz");
    // Its tick labels are round frequencies ("100", "1k", "10k"), never the data's first point ("10.132").
    const odd = (p.x_ticks || []).filter((t) => t !== null && t !== "" && !/^[1-9]0*k?$|^[1-9](\.[0-9])?k$/.test(String(t)));
    if (odd.length) fails.push(p.port + " " + p.kind + ": frequency tick labels not round: " + JSON.stringify(odd));
    axes++;
  }
  for (const [kind, span] of [["response", 1], ["level", 10], ["crosstalk", 10]])
    for (const p of plots.filter((q) => q.port && q.kind === kind)) {
      if (!(p.y_range[1] - p.y_range[0] >= span - 1e-9)) fails.push(p.port + " " + kind + ": dB axis spans " + (p.y_range[1] - p.y_range[0]) + " dB, less than " + span);
      axes++;
    }
  // Spectra with a stated scale: the title of each port's reference-tone and idle-noise spectrum states the
  // scale, the FFT bin width (results.json's bin_hz, as the page rounds it) and the window.
  for (const port of r.ports) {
    const valid = (port.loads || []).filter((l) => l.valid);
    const nl = valid.find((l) => l.load === port.nominal_load) || valid[0];
    if (!port.present || !nl) continue;
    for (const [kind, sp, words] of [["spectrum", nl.spectrum, "a sine reads its level; noise per "], ["noise", nl.noise_spectrum, "density in 1 Hz, mean per 1/48 octave of "]]) {
      if (!sp || !sp.scale) continue;
      const p = plot(port.name, kind);
      const want = words + Number(sp.bin_hz).toFixed(2) + " Hz bin";
      if (!p || !p.title.includes(want) || !p.title.includes(sp.window)) fails.push(port.name + " " + kind + ": title '" + (p && p.title) + "' does not state '" + want + "' and the " + sp.window + " window");
      axes++;
    }
  }
  checked += axes;
  // Both channels: where results.json carries a second channel, every per-load curve of the response, THD+N
  // versus level and the spectra has its right channel beside the left, L solid and R dashed.
  let pairs = 0;
  for (const port of r.ports) {
    if (!port.present || !(port.loads || []).some((l) => l.valid && (l.channels || []).length > 1)) continue;
    for (const kind of ["response", "level", "spectrum", "noise"]) {
      const p = plot(port.name, kind);
      if (!p) continue;
      for (const s of p.series.filter((x) => / L$/.test(x.label))) {
        const rr = p.series.find((x) => x.label === s.label.slice(0, -1) + "R");
        if (!rr) fails.push(port.name + " " + kind + ": '" + s.label + "' has no right channel");
        else if (s.dashed || !rr.dashed) fails.push(port.name + " " + kind + ": '" + s.label + "' dashed " + s.dashed + ", '" + rr.label + "' dashed " + rr.dashed + " (L solid, R dashed)");
        else pairs++;
      }
    }
  }
  checked += pairs;
  checked += bars;
  console.log("plots ok so far: " + checked + " checks: limits, " + faded + " faded estimate(s), " + bars + " maximum-level bars, " + axes + " axes and spectrum scales, " + pairs + " L/R pairs");
} else if (mode === "compare") {
  const labels = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  runs.forEach((r, k) => {
    for (const port of r.ports) {
      const imp = port.output_impedance;
      if (!port.present || !imp || !imp.points.length) continue;
      const p = plot(port.name, "impedance");
      const s = p && p.series.find((x) => x.label === labels[k]);
      if (!s) { fails.push("compare: no |Z| curve of run " + labels[k] + " on the " + port.name + " plot"); continue; }
      const q = imp.points.reduce((b, x) => (Math.abs(Math.log(x.freq_hz / 1000)) < Math.abs(Math.log(b.freq_hz / 1000)) ? x : b));
      const i = p.x.indexOf(q.freq_hz);
      if (i < 0 || !near(s.values[i], q.z_ohms, 1e-9 * q.z_ohms)) fails.push("compare: run " + labels[k] + " " + port.name + " |Z| at " + q.freq_hz + " Hz drawn " + (i < 0 ? "nowhere" : s.values[i]) + ", results " + q.z_ohms);
      else checked++;
    }
    // The multitone overlay: each run's first valid channel, TD+N at the tone nearest 1 kHz as in its results.
    for (const port of r.ports) {
      const c = port.present !== false && port.multitone && (port.multitone.channels || []).find((x) => x.valid && x.tones && x.tones.length);
      if (!c) continue;
      const p = plot(port.name, "multitone_tdn");
      const s = p && p.series.find((x) => x.label === labels[k]);
      if (!s) { fails.push("compare: no multitone TD+N curve of run " + labels[k] + " on the " + port.name + " plot"); continue; }
      const t = c.tones.reduce((b, x) => (Math.abs(Math.log(x.freq_hz / 1000)) < Math.abs(Math.log(b.freq_hz / 1000)) ? x : b));
      const i = p.x.indexOf(t.freq_hz);
      if (i < 0 || !near(s.values[i], t.tdn_db, 1e-9 * Math.abs(t.tdn_db))) fails.push("compare: run " + labels[k] + " " + port.name + " multitone TD+N at " + t.freq_hz + " Hz drawn " + (i < 0 ? "nowhere" : s.values[i]) + ", results " + t.tdn_db);
      else checked++;
    }
  });
}
if (fails.length) {
  for (const f of fails) console.log("FAIL plots: " + f);
  process.exit(1);
}
console.log("plot values ok (" + mode + "): " + checked + " checks");
