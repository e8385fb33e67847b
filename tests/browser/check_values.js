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

// The page's text (no scripts, styles, the embedded data or the self-check).
const text = dom
  .replace(/<script[\s\S]*?<\/script>/g, " ")
  .replace(/<style[\s\S]*?<\/style>/g, " ")
  .replace(/<pre id="outbench-selftest">[\s\S]*?<\/pre>/g, " ")
  .replace(/<[^>]*>/g, " ");
const negZero = /(^|[^\w.])[-−]0(\.0+)?(?![\d.])/.exec(text);
if (negZero) fails.push("negative zero on the page: '" + text.substr(Math.max(0, negZero.index - 40), 80).replace(/\s+/g, " ") + "'");
const ohm = /\bk?ohms?\b/i.exec(text);
if (ohm) fails.push("'" + ohm[0] + "' on the page: '" + text.substr(Math.max(0, ohm.index - 40), 80).replace(/\s+/g, " ") + "'");

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
console.log("values ok: |Zout| at 1 kHz of " + zChecked + " port(s), maximum level into " + mlPort + " " + mlLoad + ", no -0.0, no ohm, warnings and summary above the plots");
