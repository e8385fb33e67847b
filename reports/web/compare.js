// outbench compare page: every curve of 2…26 runs (A, B, C, … as listed at the top) overlaid, per port:
// frequency response and THD+N versus level per load (colour per load, line style per run: A solid, B dashed,
// C dotted, …), |Zout|, THD+N versus frequency, crosstalk versus frequency, the multitone's TD+N and response at
// its tones, and the spectra of the reference tone and the idle noise into the nominal load (colour per run). A run without the port or load draws
// nothing there. The verdicts and figures tables are rendered by outbench (reports/compare_html.cpp), the
// summary with a column per run by summary.js. Uses report.js's chart helpers (window.obReport).
(function () {
  "use strict";
  const R = window.obReport, F = window.obFmt;
  if (!R) return;
  const byId = (id) => document.getElementById(id);
  const DASH = [undefined, [6, 4], [2, 3], [10, 3, 2, 3], [14, 4], [1, 3]];
  const STYLE = ["solid", "dashed", "dotted", "dash-dot", "long dashes", "fine dots"];
  const dashOf = (k) => DASH[k % DASH.length];
  const colorOf = (k) => R.palette[k % R.palette.length];
  const present = (p) => p && p.present !== false;
  const validLoads = (p) => (present(p) ? p.loads.filter((l) => l.valid) : []);

  // One plot from curves [{label, x, y, color, dash, points}] (each on its own x, joined).
  function overlay(grid, title, curves, opts) {
    curves = curves.filter((c) => c.x.length);
    if (!curves.length) return;
    const j = R.joined(curves);
    R.chart(grid, title, j[0], curves.map((c, i) => ({ label: c.label, values: j[i + 1], color: c.color, dash: c.dash, points: c.points })), opts);
  }

  // Per load (union over the runs, in order of first appearance): colour per load, style per run.
  function perLoad(ports, runs, curveOf) {
    const names = [];
    for (const p of ports) for (const l of validLoads(p)) if (!names.includes(l.load)) names.push(l.load);
    const out = [];
    names.forEach((name, i) => ports.forEach((p, k) => {
      const l = validLoads(p).find((x) => x.load === name);
      const c = l && curveOf(l, p);
      if (c) out.push(Object.assign({ label: runs[k].label + " " + F.loadName(name), color: colorOf(i), dash: dashOf(k) }, c));
    }));
    return out;
  }
  // One curve per run: colour per run.
  function perRun(ports, runs, curveOf) {
    const out = [];
    ports.forEach((p, k) => {
      const c = present(p) && curveOf(p);
      if (c) out.push(Object.assign({ label: runs[k].label, color: colorOf(k) }, c));
    });
    return out;
  }
  const nominal = (p) => validLoads(p).find((l) => l.load === p.nominal_load) || validLoads(p)[0];
  const bands = (sp) => sp.level_dbfs.map((_, i) => sp.start_hz * Math.pow(2, i / sp.points_per_octave));

  function portPlots(root, name, runs) {
    const ports = runs.map((r) => r.results.ports.find((p) => p.name === name));
    const grid = R.el("div", { cls: "plots" });
    const styles = runs.map((r, k) => r.label + " " + STYLE[k % STYLE.length]).join(", ");
    root.appendChild(R.el("h2", { text: name + " out: every run overlaid (per-load plots: " + styles + ")" }));
    root.appendChild(grid);
    const tag = (kind) => ({ port: name, kind, loads: [] });
    overlay(grid, "Frequency response (relative to 1 kHz)", perLoad(ports, runs, (l) => ({ x: l.response.points.map((q) => q.freq_hz), y: l.response.points.map((q) => q.relative_db) })),
      { xlog: true, xlabel: "Hz", ylabel: "dB", minSpan: 1, tag: tag("response") });
    overlay(grid, "Output impedance |Z|", perRun(ports, runs, (p) => p.output_impedance && p.output_impedance.points.length &&
      { x: p.output_impedance.points.map((q) => q.freq_hz), y: p.output_impedance.points.map((q) => q.z_ohms) }), { xlog: true, xlabel: "Hz", ylabel: "Ω", ydigits: 3, tag: tag("impedance") });
    // THD+N versus level: on a dBV axis when every run is calibrated, else on the ADC's dBFS.
    const volts = ports.every((p) => validLoads(p).every((l) => l.thdn_vs_level.every((s) => !s.valid || s.out_vrms !== undefined)));
    overlay(grid, "THD+N versus output level", perLoad(ports, runs, (l) => {
      const st = l.thdn_vs_level.filter((s) => s.valid && (volts ? s.out_vrms > 0 : s.out_dbfs !== undefined));
      return { x: st.map((s) => (volts ? 20 * Math.log10(s.out_vrms) : s.out_dbfs)), y: st.map((s) => s.thdn_db), points: true };
    }), { xlabel: volts ? "dBV" : "dBFS (ADC)", ylabel: "THD+N dB", xdigits: 2, minSpan: 10, tag: tag("level") });
    overlay(grid, "THD+N versus frequency (reference level, nominal load)", perRun(ports, runs, (p) => {
      const pts = (p.thdn_vs_freq || []).filter((q) => q.valid);
      return pts.length && { x: pts.map((q) => q.freq_hz), y: pts.map((q) => q.thdn_db), points: true };
    }), { xlog: true, xlabel: "Hz", ylabel: "dB", minSpan: 10, tag: tag("thdn_freq") });
    overlay(grid, "Crosstalk L → R versus frequency (nominal load)", perRun(ports, runs, (p) => {
      const pts = (p.crosstalk_vs_freq || []).filter((q) => q.l_to_r_db !== null && q.l_to_r_db !== undefined);
      return pts.length && { x: pts.map((q) => q.freq_hz), y: pts.map((q) => q.l_to_r_db), points: true };
    }), { xlog: true, xlabel: "Hz", ylabel: "dB", ydigits: 1, minSpan: 10, tag: tag("crosstalk") });
    // The multitone into the nominal load (a --quick run plays it in place of the THD+N-versus-frequency tones):
    // TD+N per third-octave band and the response at the tones, each run's first channel read.
    const mt = (p) => p.multitone && (p.multitone.channels || []).find((c) => c.valid && c.tones && c.tones.length);
    for (const [key, title, ylabel, minSpan, kind] of [
      ["tdn_db", "Multitone: TD+N versus frequency (nominal load, first channel)", "dB re multitone", 10, "multitone_tdn"],
      ["response_db", "Multitone: response at the tones (nominal load, first channel)", "dB re stimulus", 1, "multitone_response"]])
      overlay(grid, title, perRun(ports, runs, (p) => {
        const c = mt(p);
        return c && { x: c.tones.map((t) => t.freq_hz), y: c.tones.map((t) => t[key]), points: true };
      }), { xlog: true, xlabel: "Hz", ylabel, ydigits: kind === "multitone_tdn" ? 1 : 2, minSpan, tag: tag(kind) });
    for (const [key, title, kind] of [["spectrum", "Spectrum of the reference tone (nominal load)", "spectrum"], ["noise_spectrum", "Idle-channel noise spectrum (nominal load)", "noise"]])
      overlay(grid, title, perRun(ports, runs, (p) => {
        const sp = nominal(p) && nominal(p)[key];
        return sp && sp.level_dbfs.length && { x: bands(sp), y: sp.level_dbfs };
      }), { xlog: true, xlabel: "Hz", ylabel: "dBFS", ydigits: 1, tag: tag(kind) });
  }

  try {
    const data = JSON.parse(byId("outbench-data").textContent);
    if (data.mode !== "compare") return;
    const names = [];
    for (const r of data.runs) for (const p of r.results.ports) if (present(p) && !names.includes(p.name)) names.push(p.name);
    for (const name of names) portPlots(byId("outbench-ports"), name, data.runs);
  } catch (e) {
    R.errors.push("compare script: " + (e && e.stack ? e.stack : e));
  }
})();
