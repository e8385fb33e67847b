// Analyser-limited figures shown as bounds, and the compare page's summary and figures.
// usage: node check_bounds.js report DOM.html results.json
//        node check_bounds.js compare DOM.html A.json B.json [both-bounds]
// report: in the summary table and "THD+N and THD at working levels", a figure reads "≤ x" / "≥ x" exactly where
//   results.json marks it analyser-limited (floor.KEY.analyser_limited; a working level's THD+N where its
//   residual, level + THD+N, lies within 3 dB of ports[].analyser_floor.noise_dbfs).
// compare: the summary keeps one row per figure and load (the "THD+N / THD at 1 mW" rows of every load, not
//   one) with a conditions column; the figures table prints differences in dB (never "dBV"/"dBFS"), in fixed
//   digits (no "e-"), noise in dBV where both runs are calibrated; with both-bounds, every noise row's
//   difference is between two bounds and is not highlighted as moved.
"use strict";
const fs = require("fs");
const [mode, domFile, ...rest] = process.argv.slice(2);
const dom = fs.readFileSync(domFile, "utf8");
const fails = [];
const text = (h) => h.replace(/<[^>]*>/g, "").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").trim();
const rowsOf = (tableHtml) => [...tableHtml.matchAll(/<tr([^>]*)>([\s\S]*?)<\/tr>/g)].map((m) => ({ attrs: m[1], cells: [...m[2].matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((c) => text(c[1])) }));
const table = (cls, port) => {
  const m = new RegExp('<table class="' + cls + '" data-port="' + port + '">([\\s\\S]*?)</table>').exec(dom);
  return m ? rowsOf(m[1]) : null;
};
const lim = (l, k) => !!(l && l.floor && l.floor[k] && l.floor[k].analyser_limited);
const atLim = (port, t) => !!(port.analyser_floor && port.analyser_floor.measured && t && t.level_dbfs + t.thdn_db - port.analyser_floor.noise_dbfs <= 3);
let checked = 0;

if (mode === "report") {
  const r = JSON.parse(fs.readFileSync(rest[0], "utf8"));
  for (const port of r.ports) {
    if (!port.present || !port.loads) continue;
    const rows = table("summary", port.name);
    if (!rows) { fails.push(port.name + ": no summary table"); continue; }
    const loads = port.loads.filter((l) => l.valid);
    const nl = loads.find((l) => l.load === port.nominal_load) || loads[0];
    // A row by its figure (the first cell also holds the warning markers "⚠ N"), and a load's working-level
    // rows in the order of its at_levels (the page rewrites a line level's words: "+4 dBu (1.8 dBV)").
    const get = (fig) => rows.find((x) => x.cells[0].startsWith(fig));
    const atRows = (load) => rows.filter((x) => x.attrs.includes('data-load="' + load + '"') && x.cells[0].startsWith("THD+N / THD at ") && !x.cells[0].startsWith("THD+N / THD at the reference level"));
    const expect = (what, value, want, sign) => {
      const is = value.startsWith(sign + " ");
      if (is !== want) fails.push(port.name + " " + what + ": '" + value + "' " + (want ? "lacks" : "has") + " '" + sign + "' (results analyser_limited " + want + ")");
      checked++;
    };
    const ref = get("THD+N / THD at the reference level");
    if (ref) expect("summary THD+N at reference", ref.cells[1], lim(nl, "thdn"), "≤");
    for (const l of loads) {
      const ats = (l.at_levels || []).filter((at) => at.thdn && at.thdn.valid), got = atRows(l.load);
      if (got.length !== ats.length) { fails.push(port.name + " into " + l.load + ": " + got.length + " summary rows 'THD+N / THD at …', results " + ats.length); continue; }
      for (const [k, at] of ats.entries()) {
        const row = got[k];
        expect("summary THD+N at " + at.what + " into " + l.load, row.cells[1], atLim(port, at.thdn), "≤");
      }
    }
    const nk = nl.mutes_on_silence && nl.noise_under_tone ? "noise_under_tone" : "noise";
    const noise = get("noise, unweighted / A-weighted");
    if (noise) {
      const [u, a] = noise.cells[1].split(";")[0].split(" / ");
      expect("summary noise unweighted", u, lim(nl, nk), "≤");
      expect("summary noise A", a, lim(nl, nk + "_a"), "≤");
    }
    const snr = get("SNR(A) / DR(A)");
    if (snr) {
      const [s, d] = snr.cells[1].split(";")[0].split(" / ");
      expect("summary SNR(A)", s, lim(nl, "snr_a"), "≥");
      expect("summary DR(A)", d, lim(nl, "dynamic_range_a"), "≥");
    }
  }
  // "THD+N and THD at working levels": its THD+N dB column, row by row in the order of the results.
  for (const port of r.ports) {
    if (!port.present || !port.loads) continue;
    const sec = new RegExp("<h2>" + port.name + " out</h2>([\\s\\S]*?)(<section|$)").exec(dom);
    const m = sec && /<h3>THD\+N and THD at working levels<\/h3><table>([\s\S]*?)<\/table>/.exec(sec[1]);
    if (!m) { fails.push(port.name + ": no working-levels table"); continue; }
    const rows = rowsOf(m[1]).slice(1);
    const want = [];
    for (const l of port.loads.filter((x) => x.valid)) {
      if (l.thdn_reference && l.thdn_reference.valid) want.push(["reference into " + l.load, lim(l, "thdn")]);
      for (const at of l.at_levels || []) if (at.thdn && at.thdn.valid) want.push([at.what + " into " + l.load, atLim(port, at.thdn)]);
    }
    if (rows.length !== want.length) { fails.push(port.name + ": working-levels table has " + rows.length + " rows, results " + want.length); continue; }
    rows.forEach((row, i) => {
      const is = row.cells[3].startsWith("≤ ");
      if (is !== want[i][1]) fails.push(port.name + " working level " + want[i][0] + ": THD+N '" + row.cells[3] + "', analyser-limited " + want[i][1]);
      checked++;
    });
  }
} else if (mode === "compare") {
  const [a, b] = rest.slice(0, 2).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
  const bothBounds = rest[2] === "both-bounds";
  for (const port of a.ports) {
    if (!port.present || !port.loads) continue;
    const rows = table("summary compare-summary", port.name);
    if (!rows) { fails.push(port.name + ": no compare summary table"); continue; }
    if (rows[0].cells[rows[0].cells.length - 1] !== "conditions") fails.push(port.name + ": compare summary has no conditions column: " + rows[0].cells.join(" | "));
    // One row per load that has a working level in run A (e.g. 1 mW into 600, 300, 32 and 16 ohm).
    const whats = new Map();
    for (const l of port.loads) if (l.valid) for (const at of l.at_levels || []) if (at.thdn && at.thdn.valid) whats.set(at.what, (whats.get(at.what) || 0) + 1);
    const total = [...whats.values()].reduce((x, y) => x + y, 0);
    const atRows = rows.filter((x) => x.cells[0].startsWith("THD+N / THD at ") && !x.cells[0].startsWith("THD+N / THD at the reference level")).length;
    if (atRows !== total) fails.push(port.name + ": compare summary has " + atRows + " working-level rows, run A " + total);
    // The page rewrites a line level's words ("+4 dBu (1.8 dBV)"): count by name the levels it leaves alone.
    for (const [what, n] of [...whats].filter(([w]) => !/line level/.test(w))) {
      const got = rows.filter((x) => x.cells[0].startsWith("THD+N / THD at " + what)).length;
      if (got !== n) fails.push(port.name + ": compare summary has " + got + " rows 'THD+N / THD at " + what + "', run A has " + n + " loads with it");
      checked++;
    }
  }
  const fm = /<table class="compare-figures">([\s\S]*?)<\/table>/.exec(dom);
  if (!fm) fails.push("no figures table");
  else {
    const head = rowsOf(fm[1])[0].cells, dcol = head.indexOf("B − A");
    const calibrated = [a, b].every((r) => r.ports.every((p) => !p.present || !p.loads || p.loads.every((l) => !l.valid || (l.noise && Number.isFinite(l.noise.unweighted_dbv)))));
    for (const row of rowsOf(fm[1]).slice(1)) {
      const [what] = row.cells, d = row.cells[dcol], tol = row.cells[row.cells.length - 1];
      if (/e[-+]\d/.test(d)) fails.push(what + ": difference in scientific notation '" + d + "'");
      if (/dBV|dBFS/.test(d) || /dBV|dBFS/.test(tol)) fails.push(what + ": difference or tolerance not in dB: '" + d + "', '" + tol + "'");
      if (/: noise$/.test(what)) {
        const m = /^(.*): noise$/.exec(what)[1];
        const pm = /^(\S+) out into (\S+)$/.exec(m);
        const la = pm && a.ports.find((p) => p.name === pm[1]).loads.find((l) => l.load === pm[2]);
        const lb = pm && b.ports.find((p) => p.name === pm[1]).loads.find((l) => l.load === pm[2]);
        if (la && calibrated) {
          const want = Number(la.noise.unweighted_dbv).toFixed(3), got = row.cells[1].replace(/^[≤≥] /, "");
          if (got !== want) fails.push(what + ": A reads '" + row.cells[1] + "', results' unweighted_dbv " + want + " (both runs calibrated: dBV)");
        }
        if (bothBounds && la && lb) {
          if (!row.cells[1].startsWith("≤ ") || !row.cells[2].startsWith("≤ ")) fails.push(what + ": bounds not marked: '" + row.cells[1] + "', '" + row.cells[2] + "'");
          if (new RegExp("<td class=\"delta moved[^\"]*\">" + d.replace(/[+.()]/g, "\\$&")).test(fm[1]) && /\(both bounds\)/.test(d) === false) fails.push(what + ": a move between two bounds is highlighted: '" + d + "'");
          if (!/\(both bounds\)/.test(d)) fails.push(what + ": difference between two bounds not said so: '" + d + "'");
        }
        checked++;
      }
    }
    if (bothBounds && /class="delta moved bounds"/.test(fm[1])) fails.push("a difference between two bounds is highlighted as moved");
  }
} else fails.push("mode must be report or compare");

if (!checked) fails.push("nothing checked");
if (fails.length) {
  console.log("FAIL check_bounds " + mode + ":\n  " + fails.join("\n  "));
  process.exit(1);
}
console.log("ok check_bounds " + mode + ": " + checked + " figures");
