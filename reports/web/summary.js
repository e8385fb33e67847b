// outbench report page: the datasheet summary under the verdicts (one table per port with the figures an
// engineer quotes), labels for the "table" toggles, and the page-wide unit formatting (window.obFmt).
// Runs after report.js. A figure the results do not hold reads "—"; an uncertainty field ("*_u95_ohms")
// is shown as "± u" only where the results carry it. Per channel ("L x / R y") where channels[] differ.
(function () {
  "use strict";
  const errors = window.__obErrors || [];
  const F = window.obFmt;
  const byId = (id) => document.getElementById(id);
  const has = (v) => v !== null && v !== undefined && Number.isFinite(Number(v));
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const stopWords = {
    thdn_1pct: "THD+N reached 1 %", current_limit: "current limit", rail_clipping: "rail clipping", compression: "compression",
    safety_limit: "safety limit", full_scale: "full-scale drive reached (no 1 % point)", input_full_scale: "analyser input full scale", no_signal: "no signal",
  };
  // |Z| at f by linear interpolation over log frequency (null outside the measured points).
  function zAt(points, f) {
    if (!points || !points.length) return null;
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1], b = points[i];
      if (a.freq_hz <= f && f <= b.freq_hz) {
        const t = b.freq_hz > a.freq_hz ? Math.log(f / a.freq_hz) / Math.log(b.freq_hz / a.freq_hz) : 0;
        return a.z_ohms + t * (b.z_ohms - a.z_ohms);
      }
    }
    return null;
  }
  // "0.500 ± 0.004 Ω" (the ± part only where the results carry an uncertainty).
  const withU = (v, u, d, unit) => (has(v) ? F.num(v, d) + (has(u) ? " ± " + F.num(u, d) : "") + " " + unit : "—");
  // Per channel: "L a / R b" when the channels' values print differently, else null. A value may be a pair of
  // figures ([u, a]: fmt prints both): then the channels are joined with ", " ("L u / a, R u / a").
  function perChannel(values, fmt) {
    const ok = (v) => (Array.isArray(v) ? v.every(has) : has(v));
    const shown = values.filter((x) => ok(x.v)).map((x) => ({ ch: x.ch, s: fmt(x.v) }));
    if (shown.length < 2 || shown.every((x) => x.s === shown[0].s)) return null;
    return shown.map((x) => (x.ch === 0 ? "L " : x.ch === 1 ? "R " : "ch " + x.ch + " ") + x.s).join(values.some((x) => Array.isArray(x.v)) ? ", " : " / ");
  }
  const pct = (db) => (has(db) ? " (" + +(100 * Math.pow(10, db / 20)).toPrecision(2) + " %)" : "");
  // lim: the THD+N is analyser-limited (format.js limited / thdnLimited): an upper bound, "≤ x".
  const thdText = (t, lim) => (t && t.valid ? F.bound(lim, "≤") + F.num(t.thdn_db, 1) + " dB" + pct(t.thdn_db) + " / THD " + (has(t.thd_db) ? (t.thd_below_noise ? "≤ " : "") + F.num(t.thd_db, 1) + " dB" : "—") : "—");
  const xt = (v, bound) => (has(v) ? (bound ? "< " : "") + F.num(v, 1) + " dB" : "—");

  // The band of the unweighted noise (--band; the A-weighted figure is always 20 Hz–20 kHz).
  function bandText(results) {
    const b = results.conditions.band_hz;
    if (!b || (b[0] === 20 && b[1] === 20000)) return "20 Hz–20 kHz, ";
    return "unweighted " + F.num(b[0], 0) + "–" + F.num(b[1], 0) + " Hz, A 20 Hz–20 kHz, ";
  }

  function portRows(port, results) {
    const rows = [];  // [figure, value, condition]
    const loads = port.loads.filter((l) => l.valid);
    const nl = loads.find((l) => l.load === port.nominal_load) || loads[0];
    const imp = port.output_impedance;
    const chans = port.channels || [];
    if (imp && imp.points && imp.points.length) {
      const z20k = has(imp.z_20k_ohms) ? imp.z_20k_ohms : zAt(imp.points, 20000);
      const v = [withU(imp.z_20hz_ohms, imp.z_20hz_u95_ohms, 3, "Ω"), withU(imp.z_1k_ohms, imp.z_1k_u95_ohms, 3, "Ω"), withU(z20k, imp.z_20k_u95_ohms, 3, "Ω")];
      const pc = perChannel(chans.map((c) => ({ ch: c.channel, v: c.z_1k_ohms })), (x) => F.num(x, 3) + " Ω");
      rows.push({ cls: "zout", kind: "impedance", all: true, cells: ["|Zout| at 20 Hz / 1 kHz / 20 kHz", v.join(" / ") + (pc ? "; at 1 kHz " + pc : ""), "both channels driven in phase" + (imp.loads_agree === false ? "; loads disagree" : "")] });
    }
    for (const l of loads) {
      const m = l.max_level, a = m && m.at_1pct;
      if (!a || !a.found) continue;
      const parts = has(a.vrms) ? [F.num(a.vrms, 3) + " Vrms", F.num(a.dbv, 1) + " dBV", F.num(a.dbu, 1) + " dBu"].concat(has(a.mw) ? [F.num(a.mw, 1) + " mW"] : [])
        : [F.num(a.out_dbfs, 1) + " dBFS (ADC)"];
      // Each channel's own 1 % point (loads[].channels[].max_level) where the channels differ.
      const pcM = perChannel((l.channels || []).filter((c) => c.max_level && c.max_level.at_1pct && c.max_level.at_1pct.found)
        .map((c) => ({ ch: c.channel, v: has(a.vrms) ? c.max_level.at_1pct.vrms : c.max_level.at_1pct.out_dbfs })), (x) => (has(a.vrms) ? F.num(x, 3) + " Vrms" : F.num(x, 1) + " dBFS"));
      rows.push({ cls: "maxlevel", kind: "maxlevel", load: l.load, cells: ["maximum level into " + F.loadName(l), parts.join(", ") + (pcM ? "; " + pcM : ""),
        "stopped: " + (stopWords[m.stop_reason] || m.stop_reason || "—")] });
    }
    if (nl) {
      const pcT = perChannel((nl.channels_reference || []).map((c) => ({ ch: c.channel, v: c.thdn_db })), (x) => F.num(x, 1) + " dB");
      rows.push({ kind: "level", load: nl.load, cells: ["THD+N / THD at the reference level", thdText(nl.thdn_reference, F.limited(nl, "thdn")) + (pcT ? "; THD+N " + pcT : ""),
        F.num(nl.drives_dbfs ? nl.drives_dbfs.reference : results.conditions.reference_level_dbfs, 1) + " dBFS drive, " + F.loadName(nl)] });
      for (const l of loads)
        for (const at of l.at_levels || [])
          if (at.thdn && at.thdn.valid) {
            const pcA = perChannel((at.channels || []).filter((c) => c.thdn && c.thdn.valid).map((c) => ({ ch: c.channel, v: c.thdn.thdn_db })), (x) => F.num(x, 1) + " dB");
            rows.push({ kind: "level", load: l.load, cells: ["THD+N / THD at " + at.what, thdText(at.thdn, F.thdnLimited(port.analyser_floor, at.thdn)) + (pcA ? "; THD+N " + pcA : ""), F.num(at.out_vrms, 3) + " Vrms into " + F.loadName(l)] });
          }
      const noise = nl.mutes_on_silence && nl.noise_under_tone ? nl.noise_under_tone : nl.noise;
      const dbv = noise && has(noise.unweighted_dbv);
      // Each channel's (loads[].channels[]) where they differ, both figures of a row: the noise in use
      // (unweighted / A), SNR(A) / DR(A).
      const nch = (nl.channels || []).filter((c) => c.noise);
      const pair = (x) => F.num(x[0], 1) + " / " + F.num(x[1], 1);
      const pcN = perChannel(nch.map((c) => { const n = nl.mutes_on_silence && c.noise_under_tone ? c.noise_under_tone : c.noise; return { ch: c.channel, v: dbv ? [n.unweighted_dbv, n.a_weighted_dbv] : [n.unweighted_dbfs, n.a_weighted_dbfs] }; }), pair);
      const pcS = perChannel(nch.map((c) => ({ ch: c.channel, v: [c.snr_a_db, c.dynamic_range_a_db] })), pair);
      // Analyser-limited figures are bounds (results' floor.KEY.analyser_limited), as in the per-load table.
      const nk = nl.mutes_on_silence && nl.noise_under_tone ? "noise_under_tone" : "noise";
      const bU = F.bound(F.limited(nl, nk), "≤"), bA = F.bound(F.limited(nl, nk + "_a"), "≤");
      if (noise)
        rows.push({ kind: "noise", load: nl.load, cells: ["noise, unweighted / A-weighted", (dbv ? bU + F.num(noise.unweighted_dbv, 1) + " / " + bA + F.num(noise.a_weighted_dbv, 1) + " dBV"
          : bU + F.num(noise.unweighted_dbfs, 1) + " / " + bA + F.num(noise.a_weighted_dbfs, 1) + " dBFS") + (pcN ? "; " + pcN + (dbv ? " dBV" : " dBFS") : ""), bandText(results) + F.loadName(nl) + (nl.mutes_on_silence ? ", under a −60 dBFS tone (mutes on silence)" : "")] });
      const oob = nl.noise || {}, oobBand = results.conditions.out_of_band_hz;
      if (has(oob.out_of_band_dbfs) && oobBand)
        rows.push({ kind: "noise", load: nl.load, cells: ["noise out of band, unweighted", has(oob.out_of_band_dbv) ? F.num(oob.out_of_band_dbv, 1) + " dBV" : F.num(oob.out_of_band_dbfs, 1) + " dBFS",
          F.num(oobBand[0] / 1000, 0) + "–" + F.num(oobBand[1] / 1000, 1) + " kHz (Nyquist), idle, " + F.loadName(nl)] });
      rows.push({ kind: "noise", load: nl.load, cells: ["SNR(A) / DR(A)", F.bound(F.limited(nl, "snr_a"), "≥") + F.num(nl.snr_a_db, 1) + " / " + F.bound(F.limited(nl, "dynamic_range_a"), "≥") + F.num(nl.dynamic_range_a_db, 1) + " dB" + (pcS ? "; " + pcS + " dB" : ""), "re the maximum level, " + F.loadName(nl)] });
      const x1k = (nl.crosstalk || []).reduce((b, x) => (!b || Math.abs(Math.log(x.freq_hz / 1000)) < Math.abs(Math.log(b.freq_hz / 1000)) ? x : b), null);
      if (x1k) rows.push({ kind: "crosstalk", load: nl.load, cells: ["crosstalk L → R / R → L", xt(x1k.l_to_r_db, x1k.l_to_r_bound) + " / " + xt(x1k.r_to_l_db, x1k.r_to_l_bound), F.num(x1k.freq_hz, 0) + " Hz, " + F.loadName(nl)] });
      if (has(nl.balance_db)) rows.push({ cells: ["balance |L − R|", F.num(nl.balance_db, 3) + " dB", "reference level, " + F.loadName(nl)] });
      const pcR = perChannel((nl.channels || []).filter((c) => c.valid !== false).map((c) => ({ ch: c.channel, v: c.response_deviation_20_20k_db })), (x) => "±" + F.num(x, 2) + " dB");
      rows.push({ kind: "response", load: nl.load, cells: ["response deviation 20 Hz–20 kHz", (has(nl.response_deviation_20_20k_db) ? "±" + F.num(nl.response_deviation_20_20k_db, 2) + " dB" : "—") + (pcR ? "; " + pcR : ""), "re 1 kHz, " + F.loadName(nl)] });
      const wide = results.conditions.response_wide_hz;
      if (wide && has(nl.response_deviation_wide_db))
        rows.push({ kind: "response", load: nl.load, cells: ["response deviation 20 Hz–" + F.num(wide[1] / 1000, 1) + " kHz", "±" + F.num(nl.response_deviation_wide_db, 2) + " dB", "re 1 kHz, " + F.loadName(nl)] });
      const lat = nl.response && nl.response.latency_samples, rate = results.conditions.rate_hz;
      if (has(lat)) rows.push({ cells: ["latency", lat + " frames" + (has(rate) && rate > 0 ? " (" + F.num(1000 * lat / rate, 2) + " ms)" : ""), "output to loopback input, " + F.num(rate, 0) + " Hz"] });
    }
    return rows;
  }

  function summary(results) {
    const root = byId("outbench-summary");
    if (!root) return;
    root.appendChild(el("h2", "", "Summary"));
    for (const port of results.ports) {
      if (!port.present || !port.loads) continue;
      const rows = portRows(port, results);
      if (!rows.length) continue;
      root.appendChild(el("h3", "", port.name + " out"));
      const t = el("table", "summary");
      t.dataset.port = port.name;
      const hr = el("tr");
      for (const h of ["figure", "value", "conditions"]) hr.appendChild(el("th", "l", h));
      t.appendChild(hr);
      for (const r of rows) {
        const tr = el("tr", r.cls || "");
        if (r.load !== undefined) tr.dataset.load = r.load;
        r.cells.forEach((c, i) => tr.appendChild(el("td", "l" + (i === 1 ? " v" : ""), c)));
        // The warnings that qualify this figure (marks.js: by port, kind and load), linked from its name.
        if (r.kind && window.obMarks)
          window.obMarks.tagCell(tr.firstChild, { port: port.name, kind: r.kind, loads: r.all ? port.loads.map((l) => l.load) : [r.load] });
        t.appendChild(tr);
      }
      root.appendChild(t);
    }
  }

  // compare.html: one table per port, a column per run (A, B, …); a figure a run lacks reads "—". A row is a
  // figure at its load (label + load: the four "THD+N / THD at 1 mW" rows of 600, 300, 32 and 16 Ω stay four);
  // its conditions read once where every run states them alike, else per run ("A: …; B: …"). Runs of other
  // devices or nominal loads are named once above the table.
  function compareSummary(runs) {
    const root = byId("outbench-summary");
    if (!root) return;
    root.appendChild(el("h2", "", "Summary (a column per run)"));
    const names = [];
    for (const r of runs) for (const p of r.results.ports) if (p.present && p.loads && !names.includes(p.name)) names.push(p.name);
    const devices = runs.map((r) => (r.results.device && r.results.device.name) || "—");
    if (devices.some((d) => d !== devices[0]))
      root.appendChild(el("p", "sub compare-differs", "The runs are of different devices: " + runs.map((r, i) => r.label + " " + devices[i]).join(", ") + "."));
    for (const name of names) {
      const ports = runs.map((r) => r.results.ports.find((p) => p.name === name && p.present && p.loads));
      const per = runs.map((r, i) => {
        const m = new Map();
        if (ports[i]) for (const row of portRows(ports[i], r.results)) m.set(row.cells[0] + "\u0000" + (row.load === undefined ? "" : String(row.load)), row);
        return m;
      });
      const keys = [];
      for (const m of per) for (const k of m.keys()) if (!keys.includes(k)) keys.push(k);
      if (!keys.length) continue;
      root.appendChild(el("h3", "", name + " out"));
      const nominal = ports.map((p) => (p ? F.loadName(p.nominal_load) : "—"));
      if (nominal.some((n) => n !== nominal[0]))
        root.appendChild(el("p", "sub compare-differs", "The runs' nominal loads differ (" + runs.map((r, i) => r.label + " " + nominal[i]).join(", ") + "): the figures at the nominal load are at different loads."));
      const t = el("table", "summary compare-summary");
      t.dataset.port = name;
      const hr = el("tr");
      for (const h of ["figure"].concat(runs.map((r) => r.label), ["conditions"])) hr.appendChild(el("th", "l", h));
      t.appendChild(hr);
      for (const k of keys) {
        const rows = per.map((m) => m.get(k));
        const first = rows.find((x) => x);
        const tr = el("tr");
        if (first.load !== undefined) tr.dataset.load = first.load;
        tr.appendChild(el("td", "l", first.cells[0]));
        for (const x of rows) tr.appendChild(el("td", "l v", x ? x.cells[1] : "—"));
        const conds = rows.map((x) => (x ? x.cells[2] : null));
        const stated = conds.filter((c) => c !== null);
        tr.appendChild(el("td", "l", stated.every((c) => c === stated[0]) ? stated[0] : conds.map((c, i) => (c === null ? null : runs[i].label + ": " + c)).filter((c) => c).join("; ")));
        t.appendChild(tr);
      }
      root.appendChild(t);
    }
  }

  // The "table" toggles say what they open: "table: output impedance per frequency".
  function labelToggles() {
    for (const s of document.querySelectorAll("details > summary")) {
      if (s.textContent !== "table") continue;
      let h = s.parentNode.previousElementSibling;
      while (h && h.tagName !== "H3" && h.tagName !== "H2") h = h.previousElementSibling;
      const heads = [...s.parentNode.querySelectorAll("th")].map((x) => x.textContent);
      const first = heads.length ? heads[0] : "";
      let what = h ? h.textContent : "";
      if (heads[1] === "|Z| Ω" || heads[1] === "|Z| at 1 kHz Ω") what = "output impedance";
      else if (first.startsWith("Hz (1/48")) what = what.replace(/^Harmonics of/, "Spectrum of");
      const per = first.startsWith("Hz (1/48") ? ", 1/48 octave" : first === "Hz" ? " per frequency"
        : first === "order" ? " per harmonic" : first === "load" && !/\bload$/i.test(what) ? " per load" : "";
      // Lower-case the first letter of a heading unless it starts an acronym ("THD+N").
      if (what.length > 1 && what[1] === what[1].toLowerCase()) what = what[0].toLowerCase() + what.slice(1);
      if (what === "per load") what = "all figures";
      if (what) s.textContent = "table: " + what + per;
    }
  }

  try {
    const data = JSON.parse(byId("outbench-data").textContent);
    if ((data.mode || "report") === "report") summary(data.results);
    else if (data.mode === "compare" && data.runs) compareSummary(data.runs);
    labelToggles();
    F.page(document.body);
  } catch (e) {
    errors.push("summary script: " + (e && e.stack ? e.stack : e));
  }
})();
