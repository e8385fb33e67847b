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
      const word = rule.grade === "marginal" ? "marginal" : rule.grade === "conditional" ? "short" : rule.pass ? "pass" : "fail";
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
  console.log("plots ok so far: " + checked + " limit/estimate checks, " + faded + " faded estimate(s)");
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
