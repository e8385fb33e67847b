// outbench report page: the one unit formatter of the page (window.obFmt), used by report.js and summary.js,
// and applied once more to every text node of the rendered page (the verdict sentences come from results.json).
// Conventions: a value that rounds to zero prints without a sign ("0.0", never "-0.0"); resistances read
// "32 Ω" / "10 kΩ" (never "ohm"/"kohm"); a line level that is a whole dBu figure reads "+4 dBu (1.8 dBV)".
(function () {
  "use strict";
  const DBU_MINUS_DBV = 2.2184874961635637;  // 20·log10(1 / 0.775)
  const missing = (v) => v === null || v === undefined || Number.isNaN(Number(v)) || !Number.isFinite(Number(v));
  // Fixed digits; a value that rounds to zero loses its minus sign.
  function num(v, d) {
    if (missing(v)) return "—";
    const s = Number(v).toFixed(d === undefined ? 2 : d);
    return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
  }
  // A resistance in ohms: "16 Ω", "600 Ω", "10 kΩ", "1.5 kΩ".
  function ohms(x) {
    if (missing(x)) return "—";
    const v = Number(x);
    if (Math.abs(v) >= 1000) return +(v / 1000).toPrecision(3) + " kΩ";
    return +v.toPrecision(4) + " Ω";
  }
  // A load of the results ("open", "10k", "600", or a number of ohms).
  function loadName(l) {
    const n = l && typeof l === "object" ? l.load : l;
    if (n === "open" || n === undefined || n === null) return String(n);
    const m = /^\s*([0-9.]+)\s*(k?)\s*(ohms?|Ω)?\s*$/i.exec(String(n));
    if (!m) return String(n);
    return ohms(Number(m[1]) * (m[2] ? 1000 : 1));
  }
  // A nominal line level in dBV: "+4 dBu (1.8 dBV)" when it is a whole dBu figure, else "-10.0 dBV".
  function lineLevel(dbv) {
    if (missing(dbv)) return "—";
    const dbu = Number(dbv) + DBU_MINUS_DBV;
    if (Math.abs(dbu - Math.round(dbu)) < 0.05 && Math.round(dbu) !== 0)
      return (dbu > 0 ? "+" : "") + Math.round(dbu) + " dBu (" + num(dbv, 1) + " dBV)";
    return num(dbv, 1) + " dBV";
  }
  // Free text (sentences of results.json, labels): the same units as the tables.
  function text(s) {
    if (typeof s !== "string") return s;
    return s
      .replace(/\b(\d+(?:\.\d+)?)\s*k\s*(?:ohms?|Ω)(?![\w])/g, "$1 kΩ")
      .replace(/\b(\d+(?:\.\d+)?)\s*(?:ohms?)(?![\w])/g, "$1 Ω")
      .replace(/\b(\d+(?:\.\d+)?)k Ω/g, "$1 kΩ")
      .replace(/\bkohms?\b/g, "kΩ")
      .replace(/\bohms?\b/g, "Ω")
      .replace(/(^|[^\w.])[-−]0(\.0+)?(?![\d.])/g, (all, pre, frac) => pre + "0" + (frac || ""))
      // "(+1.8 dBV)" on its own becomes "+4 dBu (1.8 dBV)", not "(+4 dBu (1.8 dBV))".
      .replace(/(?<!dBu )\(([+-]?\d+(?:\.\d+)?) dBV\)/g, (all, v) => {
        const l = lineLevel(Number(v));
        return l.indexOf("dBu") < 0 ? all : l;
      })
      .replace(/(?<!dBu )\(([+-]?\d+(?:\.\d+)?) dBV\b/g, (all, v) => {
        const l = lineLevel(Number(v));
        return l.indexOf("dBu") < 0 ? all : "(" + l;
      });
  }
  // Every text node of the page (not scripts, styles or the self-check's data) through text().
  function page(root) {
    const walk = document.createTreeWalker(root || document.body, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => {
        const p = n.parentNode && n.parentNode.nodeName;
        if (p === "SCRIPT" || p === "STYLE" || (n.parentNode && n.parentNode.id === "outbench-selftest")) return NodeFilter.FILTER_REJECT;
        return NodeFilter.FILTER_ACCEPT;
      },
    });
    const nodes = [];
    while (walk.nextNode()) nodes.push(walk.currentNode);
    for (const n of nodes) {
      const t = text(n.nodeValue);
      if (t !== n.nodeValue) n.nodeValue = t;
    }
  }
  // Against the analyser's own floor (docs/MEASUREMENTS.md; analysis/floor_margin.hpp): a figure within 3 dB
  // of it measures the analyser and is a bound, "≤ x" for noise and THD+N, "≥ x" for SNR and DR.
  // limited(l, key): results' floor.KEY.analyser_limited of a load (or a channel). A THD+N at a working level
  // (loads[].at_levels[], which carry no floor of their own): its residual (level + THD+N, dBFS) within 3 dB
  // of the port's measured input noise floor (ports[].analyser_floor.noise_dbfs), the floor the run uses
  // where no loopback residual was measured at that drive.
  const ANALYSER_LIMITED_DB = 3.0;
  const limited = (l, key) => !!(l && l.floor && l.floor[key] && l.floor[key].analyser_limited === true);
  function thdnLimited(floor, t) {
    if (!floor || !floor.measured || missing(floor.noise_dbfs) || !t || missing(t.level_dbfs) || missing(t.thdn_db)) return false;
    return Number(t.level_dbfs) + Number(t.thdn_db) - Number(floor.noise_dbfs) <= ANALYSER_LIMITED_DB;
  }
  // "≤ " / "≥ " before a bound, else "".
  const bound = (is, sym) => (is ? sym + " " : "");
  window.obFmt = { num, ohms, loadName, lineLevel, text, page, limited, thdnLimited, bound, DBU_MINUS_DBV };
})();
