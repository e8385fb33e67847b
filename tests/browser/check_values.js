// Values of a rendered report (the DOM after its scripts ran, dumped by headless Chromium) against the
// results.json it was made from: the summary table's |Zout| at 1 kHz per port and one maximum level (as the
// page rounds them), no "-0.0" and no "ohm" in the page's text, the warnings box and the summary above the
// first plot. usage: node check_values.js DOM.html results.json MAXLEVEL_PORT MAXLEVEL_LOAD
"use strict";
const fs = require("fs");
const [domFile, resultsFile, mlPort, mlLoad] = process.argv.slice(2);
const dom = fs.readFileSync(domFile, "utf8");
const r = JSON.parse(fs.readFileSync(resultsFile, "utf8"));
const fails = [];
const fixed = (v, d) => {
  const s = Number(v).toFixed(d);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
};
const cellText = (html) => html.replace(/<[^>]*>/g, "").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").trim();

// The summary table of a port and the value cell of a row (by its class, or its data-load).
function summaryRow(port, sel) {
  const t = new RegExp('<table class="summary" data-port="' + port + '">([\\s\\S]*?)</table>').exec(dom);
  if (!t) return null;
  const row = new RegExp("<tr " + sel + "[^>]*>([\\s\\S]*?)</tr>").exec(t[1]);
  if (!row) return null;
  const cells = [...row[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => cellText(m[1]));
  return cells[1];
}

let zChecked = 0;
for (const p of r.ports) {
  if (!p.present || !p.output_impedance || p.output_impedance.z_1k_ohms === undefined) continue;
  const v = summaryRow(p.name, 'class="zout"');
  const want = fixed(p.output_impedance.z_1k_ohms, 3);
  const got = v ? v.split(" / ")[1] : undefined;  // "z20 Ω / z1k Ω / z20k Ω"
  if (!got || got.split(" ")[0] !== want) fails.push(p.name + ": summary |Zout| at 1 kHz reads '" + got + "', results.json " + want);
  else zChecked++;
}
if (!zChecked) fails.push("no |Zout| at 1 kHz in any summary table");

const port = r.ports.find((p) => p.name === mlPort);
const load = port && port.loads.find((l) => l.load === mlLoad);
if (!load) fails.push("results.json has no " + mlPort + " load " + mlLoad);
else {
  const v = summaryRow(mlPort, 'class="maxlevel" data-load="' + mlLoad + '"');
  const a = load.max_level.at_1pct;
  const want = a.vrms !== undefined ? fixed(a.vrms, 3) + " Vrms" : fixed(a.out_dbfs, 1) + " dBFS";
  if (!v || !v.startsWith(want)) fails.push(mlPort + " into " + mlLoad + ": summary maximum level reads '" + v + "', results.json " + want);
}

// Per channel where the channels differ: the nominal load's noise (unweighted / A) and SNR(A) / DR(A) rows
// give each channel's pair ("L u / a, R u / a") exactly when the channels' pairs print differently.
function rowByFigure(port, figure) {
  const t = new RegExp('<table class="summary" data-port="' + port + '">([\\s\\S]*?)</table>').exec(dom);
  for (const row of t ? t[1].matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g) : []) {
    const cells = [...row[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => cellText(m[1]));
    if (cells.length > 1 && cells[0].startsWith(figure)) return cells[1];
  }
  return null;
}
let perChannelRows = 0, differing = 0;
for (const p of r.ports) {
  if (!p.present || !p.loads) continue;
  const valid = p.loads.filter((l) => l.valid);
  const nl = valid.find((l) => l.load === p.nominal_load) || valid[0];
  const chans = nl && (nl.channels || []).filter((c) => c.noise);
  if (!nl || !nl.noise || !chans || chans.length < 2) continue;
  const under = (x) => (nl.mutes_on_silence && x.noise_under_tone ? x.noise_under_tone : x.noise);
  const dbv = Number.isFinite(under(nl).unweighted_dbv);
  const noisePair = (n) => (dbv ? [n.unweighted_dbv, n.a_weighted_dbv] : [n.unweighted_dbfs, n.a_weighted_dbfs]);
  for (const [figure, pairOf, unit] of [["noise, unweighted / A-weighted", (c) => noisePair(under(c)), dbv ? " dBV" : " dBFS"],
                                         ["SNR(A) / DR(A)", (c) => [c.snr_a_db, c.dynamic_range_a_db], " dB"]]) {
    const v = rowByFigure(p.name, figure);
    if (v === null) { fails.push(p.name + ": no summary row '" + figure + "'"); continue; }
    const texts = chans.map((c) => (c.channel === 0 ? "L " : "R ") + pairOf(c).map((x) => fixed(x, 1)).join(" / "));
    const differ = texts.some((t) => t.slice(2) !== texts[0].slice(2));
    const want = texts.join(", ") + unit;
    if (differ && !v.endsWith("; " + want)) fails.push(p.name + " '" + figure + "' reads '" + v + "', expected it to end '; " + want + "' (the channels differ)");
    if (!differ && /\bL /.test(v)) fails.push(p.name + " '" + figure + "' reads '" + v + "': per channel though the channels agree");
    perChannelRows++;
    if (differ) differing++;
  }
}
if (!perChannelRows && r.ports.some((p) => (p.loads || []).some((l) => (l.channels || []).length > 1))) fails.push("no noise or SNR(A)/DR(A) row with two channels checked");

// The page's text (no scripts, styles, the embedded data or the self-check).
const text = dom
  .replace(/<script[\s\S]*?<\/script>/g, " ")
  .replace(/<style[\s\S]*?<\/style>/g, " ")
  .replace(/<pre id="outbench-selftest">[\s\S]*?<\/pre>/g, " ")
  .replace(/<[^>]*>/g, " ");
const negZero = /(^|[^\w.])[-−]0(\.0+)?(?![\d.])/.exec(text);
if (negZero) fails.push("negative zero on the page: '" + text.substr(Math.max(0, negZero.index - 40), 80).replace(/\s+/g, " ") + "'");
// A line level reads "+4 dBu (1.8 dBV)", never wrapped twice ("(+4 dBu (1.8 dBV))") nor said twice.
const doubled = /\([+-]?\d+ dBu \([^)]*\)\)|dBu [+-]?\d+ dBu/.exec(text);
if (doubled) fails.push("line level written twice: '" + text.substr(Math.max(0, doubled.index - 40), 80).replace(/\s+/g, " ") + "'");
const ohm = /\bk?ohms?\b/i.exec(text);
if (ohm) fails.push("'" + ohm[0] + "' on the page: '" + text.substr(Math.max(0, ohm.index - 40), 80).replace(/\s+/g, " ") + "'");

// The shared ground return: "± u" where the results carry an uncertainty; a negative reading without one (no
// resistance is negative) reads "≈ 0 (−0.002)", never as a plain negative resistance.
const grounds = [...text.replace(/\s+/g, " ").matchAll(/Shared ground return ([^Ω]*) Ω/g)];  // in the ports' order
for (const p of r.ports) {
  if (!p.present || p.ground_return_ohms === undefined) continue;
  const m = grounds.shift();
  const want = p.ground_return_u95_ohms !== undefined ? fixed(p.ground_return_ohms, 3) + " ± " + fixed(p.ground_return_u95_ohms, 3)
    : p.ground_return_ohms < 0 ? "≈ 0 (" + fixed(p.ground_return_ohms, 3) + ")" : fixed(p.ground_return_ohms, 3);
  if (!m || m[1].trim() !== want) fails.push(p.name + ": ground return reads '" + (m && m[1]) + "', want '" + want + "' (results " + p.ground_return_ohms + ")");
}

const at = (s) => dom.indexOf(s);
const firstPlot = at('class="plot');
if (at('id="outbench-warnings"') < 0) fails.push("no warnings box");
else if (firstPlot >= 0 && at('id="outbench-warnings"') > firstPlot) fails.push("the warnings box comes after the first plot");
if (at('class="summary"') < 0 || (firstPlot >= 0 && at('class="summary"') > firstPlot)) fails.push("no summary table before the first plot");
if (/<summary>table<\/summary>/.test(dom)) fails.push("a table toggle labelled only 'table'");

if (fails.length) {
  for (const f of fails) console.log("FAIL values: " + f);
  process.exit(1);
}
console.log("values ok: |Zout| at 1 kHz of " + zChecked + " port(s), " + perChannelRows + " noise/SNR rows per channel (" + differing + " with differing channels), maximum level into " + mlPort + " " + mlLoad + ", no -0.0, no ohm, warnings and summary above the plots");
