// outbench report page: builds plots (uPlot) and tables from the embedded results.json.
(function () {
  "use strict";
  const errors = window.__obErrors || [];
  const plots = [];
  const byId = (id) => document.getElementById(id);
  const data = JSON.parse(byId("outbench-data").textContent);
  const mode = data.mode || "report";
  const css = getComputedStyle(document.documentElement);
  const fg = css.getPropertyValue("--fg").trim() || "#222";
  const grid = css.getPropertyValue("--line").trim() || "#ccc";
  const bg = css.getPropertyValue("--bg").trim() || "#fff";
  const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"];

  function el(tag, attrs, kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v; else if (k === "cls") e.className = v; else e.setAttribute(k, v);
    }
    for (const k of kids || []) if (k != null) e.appendChild(typeof k === "string" ? document.createTextNode(k) : k);
    return e;
  }
  const num = window.obFmt.num, loadName = window.obFmt.loadName, ohms = window.obFmt.ohms;  // format.js: one formatter
  // A crosstalk figure: an upper bound (the leak did not stand above the narrow-band noise) reads "< x".
  const xt = (v, bound) => (bound && v !== null && v !== undefined ? "< " : "") + num(v, 1);

  function table(head, rows) {
    const t = el("table");
    t.appendChild(el("tr", {}, head.map((h, i) => el("th", { cls: i ? "" : "l", text: h }))));
    for (const r of rows) t.appendChild(el("tr", {}, r.map((c, i) => el("td", { cls: i ? "" : "l", text: String(c) }))));
    return el("details", {}, [el("summary", { text: "table" }), t]);
  }

  // A uPlot chart: xs shared, series [{label, values, dash}], opts {xlog, xlabel, ylabel, points, tag}.
  // A series with limitValue (a rule's limit, marks.js) or faded (a reason) does not set the y axis; a limit
  // widens it only up to 4 times the data's span, else its label says "off scale". opts.tag: the port, kind and
  // loads of the plot, for the warning markers (marks.js).
  function chart(container, title, xs, series, opts) {
    const box = el("div", { cls: "plot" }, [el("div", { cls: "t", text: title })]);
    container.appendChild(box);
    if (window.obMarks) window.obMarks.tag(box, opts.tag);
    const width = Math.max(320, Math.min(box.clientWidth || 540, 1100) - 16);
    const axis = (label) => ({ label, stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } });
    const inScale = limitsInScale(series, opts);
    const span = (lo, hi) => (opts.minSpan ? [Math.min(lo, (lo + hi) / 2 - opts.minSpan / 2), Math.max(hi, (lo + hi) / 2 + opts.minSpan / 2)] : [lo, hi]);
    const yRange = (u, lo, hi) => {
      let [a, b] = span(lo === null ? 0 : lo, hi === null ? 0 : hi);
      const w = b - a;
      for (const v of inScale) { a = Math.min(a, v); b = Math.max(b, v); }
      const pad = b - a > w ? 0.04 * (b - a) : 0;
      // A magnitude (|Z| in ohms) has no negative values: the padding or the minimum span stops at 0.
      if (opts.nonNegative && a >= 0 && a - pad < 0) return [0, b + pad];
      if (opts.nonNegative && a < 0) return [0, Math.max(b + pad, opts.minSpan || 1)];
      return [a - pad, b + pad];
    };
    const u = new uPlot({
      width, height: 280,
      scales: {
        // A log frequency axis ends at the data (uPlot would round it out to whole decades).
        x: opts.xlog ? { time: false, distr: 3, log: 10, range: (u, lo, hi) => [lo, hi] } : { time: false, range: opts.xrange },
        y2: { auto: true },  // a second quantity on the right axis (mW beside Vrms)
        // A minimum span keeps a flat response from looking like noise (e.g. +/-0.002 dB drawn full height).
        y: opts.yrange ? { range: opts.yrange } : opts.minSpan || inScale.length ? { range: yRange } : {},
      },
      axes: [Object.assign(axis(opts.xlabel), opts.xlog ? logTicks : {}, opts.xaxis || {}), axis(opts.ylabel)].concat(opts.y2label ? [Object.assign(axis(opts.y2label), { scale: "y2", side: 1, grid: { show: false } })] : []),
      cursor: { drag: { x: true, y: true, uni: 30 } },
      series: [{ label: opts.xlabel, value: (u, v) => num(v, opts.xdigits === undefined ? 1 : opts.xdigits) }].concat(series.map((s, i) => ({
        label: s.label + (s.faded ? ", " + s.faded : ""), stroke: (s.color || palette[i % palette.length]) + (s.faded ? "55" : ""),
        width: s.width === undefined ? (s.faded ? 1 : 1.5) : s.width, dash: s.dash, auto: !(s.faded || s.limitValue !== undefined),
        scale: s.scale || "y", paths: s.paths, fill: s.fill,
        spanGaps: true, points: { show: !!(opts.points || s.points), size: s.pointSize || 5, fill: s.hollow ? bg : undefined },
        value: (u, v) => num(v, opts.ydigits === undefined ? 2 : opts.ydigits),
      }))),
    }, [xs].concat(series.map((s) => s.values)), box);
    u.obMeta = { title, port: opts.tag && opts.tag.port, kind: opts.tag && opts.tag.kind };
    plots.push(u);
    return box;
  }

  // A log frequency axis ends at the data (e.g. 10.132 Hz): ticks only at 1…9 × 10^n inside it, labelled
  // "20", "1k", "20k" (uPlot would put its first tick, labelled "10.132", at the data's first point).
  const logTicks = {
    splits: (u, i, lo, hi) => {
      const out = [];
      for (let d = Math.pow(10, Math.floor(Math.log10(lo))); d <= hi; d *= 10)
        for (let m = 1; m <= 9; m++) { const v = +(m * d).toPrecision(1); if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v); }
      return out;
    },
    values: (u, splits) => splits.map((v) => (v === null || v === undefined ? null : v >= 1000 ? +(v / 1000).toPrecision(3) + "k" : String(+v.toPrecision(3)))),
  };

  // The limits drawn into the axis: within 4 times the span of the data (the series that set the axis);
  // the label of any other says where it lies.
  function limitsInScale(series, opts) {
    const vals = series.filter((s) => !s.faded && s.limitValue === undefined && (s.scale || "y") === "y")
      .flatMap((s) => s.values.filter((v) => v !== null && v !== undefined && Number.isFinite(v)));
    const lims = series.filter((s) => s.limitValue !== undefined);
    if (!vals.length || !lims.length || opts.yrange) return [];
    let lo = Math.min(...vals), hi = Math.max(...vals);
    if (opts.minSpan) [lo, hi] = [Math.min(lo, (lo + hi) / 2 - opts.minSpan / 2), Math.max(hi, (lo + hi) / 2 + opts.minSpan / 2)];
    const w = Math.max(hi - lo, 1e-9), out = [];
    for (const s of lims) {
      const v = s.limitValue;
      if (Math.max(hi, v) - Math.min(lo, v) <= 4 * w) out.push(v);
      else s.label += v > hi ? " (off scale, above)" : " (off scale, below)";
    }
    return out;
  }

  // Join series with different x into one table (uPlot.join), sorted and deduplicated.
  function joined(list) {
    const j = uPlot.join(list.map((s) => [s.x, s.y]));
    return j;
  }

  // The note under THD+N versus frequency: which harmonics the run's band (conditions.band_hz) leaves out.
  function thdBandNote(band) {
    const hi = band && band[1] > 0 ? band[1] : 20000, lo = band && band[0] > 0 ? band[0] : 20;
    const range = lo === 20 && hi === 20000 ? "the 20 Hz–20 kHz band" : "the run's band, " + num(lo, 0) + "–" + num(hi, 0) + " Hz,";
    return "THD counts harmonics 2–10 inside " + range + " only: above " + +(hi / 10000).toPrecision(3) + " kHz the higher harmonics, above " +
      +(hi / 2000).toPrecision(3) + " kHz all of them, lie outside it (column \"harmonics out of band\"). \"≤\": every harmonic was below the noise, THD is a bound.";
  }

  function portSection(port, root, other) {
    if (!port.present) return;
    const sec = el("section", {}, [el("h2", { text: port.name + " out" })]);
    const M = window.obMarks, tag = (kind, ls) => ({ port: port.name, kind, loads: ls.map((l) => l.load) });
    root.appendChild(sec);
    const loads = port.loads.filter((l) => l.valid);
    // Distortion at the levels people use (shown, not folded): nominal line level into the line load, 1 mW
    // into headphone loads, beside the reference level; THD (harmonics only) beside every THD+N.
    const pct = (db, lim) => (db === null || db === undefined ? "—" : (lim ? "≤ " : "") + (100 * Math.pow(10, db / 20)).toPrecision(2) + " %");
    const thdOf = (t) => (t.thd_db === null || t.thd_db === undefined ? "—" : (t.thd_below_noise ? "≤ " : "") + num(t.thd_db, 1));
    // A load's headline figures are the worse channel's; each channel's (loads[].channels[]) follows as "(L x / R y)" where they differ.
    const chanOf = (l, c) => (l.channels || []).find((x) => x.channel === c && x.thdn_reference);
    // With `key`, each channel's value is marked against its own input's floor (channels[].floor), as fl() does.
    const perCh = (l, get, d, key, bound) => {
      const a = chanOf(l, 0), b = chanOf(l, 1);
      const f = (c) => (key && c.floor ? fl(c, key, get(c), d, bound) : num(get(c), d));
      const x = a && f(a), y = b && f(b);
      return a && b && x !== y ? " (L " + x + " / R " + y + ")" : "";
    };
    // Against the analyser's floor: within 3 dB "≤ x" (noise, THD+N) or "≥ x" (SNR, DR); 3..10 dB also floor-corrected.
    const fl = (l, key, v, d, bound) => {
      const m = l.floor && l.floor[key], s = num(v, d);
      if (!m || v === null || v === undefined) return s;
      if (m.analyser_limited) return bound + " " + s;
      const c = m.floor_corrected_db !== undefined ? m.floor_corrected_db : m.floor_corrected_dbfs;
      return c !== undefined ? s + " (" + num(c, d) + " corr.)" : s;
    };
    const work = [];
    const inVrms = data.results.conditions && data.results.conditions.input_vrms_at_0dbfs;  // the input calibration
    for (const l of loads) {
      if (l.thdn_reference && l.thdn_reference.valid)
        work.push([loadName(l), "reference level (" + num(l.drives_dbfs ? l.drives_dbfs.reference : undefined, 1) + " dBFS)",
          inVrms ? num(inVrms * Math.pow(10, l.thdn_reference.level_dbfs / 20), 3) : "—",
          fl(l, "thdn", l.thdn_reference.thdn_db, 1, "≤") + perCh(l, (c) => c.thdn_reference.thdn_db, 1, "thdn", "≤"), pct(l.thdn_reference.thdn_db, window.obFmt.limited(l, "thdn")), thdOf(l.thdn_reference)]);
      for (const a of l.at_levels || [])
        if (a.thdn && a.thdn.valid) work.push([loadName(l), a.what, num(a.out_vrms, 3), window.obFmt.bound(window.obFmt.thdnLimited(port.analyser_floor, a.thdn), "≤") + num(a.thdn.thdn_db, 1) + perCh({ channels: (a.channels || []).map((c) => Object.assign({ thdn_reference: c.thdn }, c)) }, (c) => c.thdn.thdn_db, 1), pct(a.thdn.thdn_db, window.obFmt.thdnLimited(port.analyser_floor, a.thdn)), thdOf(a.thdn)]);
    }
    if (work.length) {
      sec.appendChild(el("h3", { text: "THD+N and THD at working levels" }));
      const t = el("table");
      t.appendChild(el("tr", {}, ["load", "level", "out Vrms", "THD+N dB", "THD+N", "THD dB"].map((h, i) => el("th", { cls: i ? "" : "l", text: h }))));
      for (const r of work) t.appendChild(el("tr", {}, r.map((c, i) => el("td", { cls: i ? "" : "l", text: String(c) }))));
      sec.appendChild(t);
    }
    const grid = el("div", { cls: "plots" });
    sec.appendChild(grid);
    // Frequency response per load (relative to 1 kHz), and absolute gain in the table.
    if (loads.length && loads[0].response.points.length) {
      const xs = loads[0].response.points.map((p) => p.freq_hz);
      // Channel 0 (left) solid, channel 1 (right) dashed in the same colour (results channels[], when present).
      const right = (l) => (l.channels || []).find((c) => c.channel === 1 && c.valid && c.relative_db);
      const stereo = loads.some(right);
      const rser = [];
      loads.forEach((l, i) => {
        const color = palette[i % palette.length];
        rser.push({ label: loadName(l) + (stereo ? " L" : ""), values: l.response.points.map((p) => p.relative_db), color });
        const r = right(l);
        if (r) rser.push({ label: loadName(l) + " R", values: r.relative_db, color, dash: [5, 3] });
      });
      chart(grid, "Frequency response (relative to 1 kHz)" + (stereo ? ", L solid, R dashed" : ""), xs, rser.concat(M.responseLimits(data.results, port.name, xs)),
        { xlog: true, xlabel: "Hz", ylabel: "dB", minSpan: 1, tag: tag("response", loads) });
      const rows = xs.filter((_, i) => i % 8 === 0).map((f, k) => [num(f, 1)].concat(loads.map((l) => num(l.response.points[k * 8].relative_db, 3))));
      sec.appendChild(el("h3", { text: "Frequency response (dB re 1 kHz)" }));
      sec.appendChild(table(["Hz"].concat(loads.map(loadName)), rows));
    }
    // Output impedance: combined and per load, magnitude and phase.
    const imp = port.output_impedance;
    if (imp && imp.points.length) {
      const xs = imp.points.map((p) => p.freq_hz);
      const chans = port.channels || [];
      const zr = chans.find((c) => c.channel === 1 && c.impedance && c.impedance.length === imp.points.length);
      const ser = [{ label: zr ? "combined L" : "combined", values: imp.points.map((p) => p.z_ohms), width: 2.5, color: fg }];
      if (zr) ser.push({ label: "combined R", values: zr.impedance.map((p) => p.z_ohms), width: 2.5, color: fg, dash: [5, 3] });
      // The expanded uncertainty (k = 2) of the combined |Z| as a band: its two edges, thin and dotted.
      if (imp.points.some((p) => p.u95_ohms !== undefined))
        [-1, 1].forEach((s) => ser.push({ label: (s > 0 ? "+" : "−") + "U (k = 2)", values: imp.points.map((p) => (p.u95_ohms === undefined ? null : p.z_ohms + s * p.u95_ohms)), width: 1, color: fg, dash: [1, 3] }));
      // Per-load estimates whose uncertainty is large against |Z| are faded and do not set the axes (marks.js).
      imp.per_load.forEach((z, i) => {
        if (z.valid) ser.push({ label: ohms(z.load_ohms) + " load", values: z.points.map((p) => p.z_ohms), dash: [4, 3], color: palette[(i + 1) % palette.length], faded: M.fadeReason(z, imp.points) });
      });
      chart(grid, "Output impedance |Z|", xs, ser.concat(M.zoutLimits(data.results, port.name, xs)), { xlog: true, xlabel: "Hz", ylabel: "Ω", ydigits: 3, minSpan: 0.1 * (imp.z_1k_ohms || 1), nonNegative: true, tag: tag("impedance", loads) });
      const phase = (pts) => pts.map((p) => Math.atan2(p.x_ohms, p.r_ohms) * 180 / Math.PI);
      const ph = [{ label: "combined", values: phase(imp.points), width: 2.5, color: fg }];
      imp.per_load.forEach((z, i) => {
        if (z.valid) ph.push({ label: ohms(z.load_ohms) + " load", values: phase(z.points), dash: [4, 3], color: palette[(i + 1) % palette.length], faded: M.fadeReason(z, imp.points) });
      });
      chart(grid, "Output impedance phase", xs, ph, { xlog: true, xlabel: "Hz", ylabel: "degrees", ydigits: 1, tag: tag("phase", loads) });
      sec.appendChild(el("h3", { text: "Output impedance" }));
      // "x ± U Ω" where the results carry the expanded uncertainty (k = 2), the bare value otherwise.
      const pm = (v, u) => (v === undefined || v === null ? "—" : num(v, 3) + (u === undefined || u === null ? "" : " ± " + num(u, 3)));
      if (imp.z_1k_u95_ohms !== undefined)
        sec.appendChild(el("p", { text: "|Zout| " + pm(imp.z_1k_ohms, imp.z_1k_u95_ohms) + " Ω at 1 kHz, " + pm(imp.z_20hz_ohms, imp.z_20hz_u95_ohms) +
          " Ω at 20 Hz, at most " + pm(imp.max_z_20_20k_ohms, imp.max_z_20_20k_u95_ohms) + " Ω over 20 Hz–20 kHz (± the expanded uncertainty, k = 2: the loads' tolerance, the input's impedance, the leads and the scatter)." }));
      sec.appendChild(el("p", { cls: imp.loads_agree ? "muted" : "warn", text: (imp.loads_agree ? "" : "Warning: ") + imp.agreement_note }));
      // The load checks with their resolutions ("cannot verify": a relay that stayed open would pass too).
      const checked = loads.filter((l) => l.switch_check || l.zout_agreement);
      if (checked.length) {
        const st = (c) => (!c ? "—" : c.status === "cannot_verify" ? "cannot verify at this |Zout|" : c.status || (c.ok ? "ok" : "failed"));
        sec.appendChild(el("h3", { text: "Load checks (1 kHz)" }));
        sec.appendChild(table(["load", "level change predicted dB", "measured dB", "resolution dB", "switch check", "|Z| Ω", "others Ω", "resolution Ω", "agreement"],
          checked.map((l) => {
            const s = l.switch_check, a = l.zout_agreement;
            return [loadName(l), s ? num(s.predicted_db, 4) : "—", s ? num(s.measured_db, 4) : "—", s && s.resolution_db !== undefined ? num(s.resolution_db, 4) : "—", st(s),
              a ? num(a.z_1k_ohms, 3) : "—", a ? num(a.reference_ohms, 3) : "—", a ? num(a.resolution_ohms, 3) : "—", st(a)];
          })));
      }
      const valid = imp.per_load.filter((z) => z.valid);
      sec.appendChild(table(["Hz", "|Z| Ω", "R Ω", "X Ω"].concat(valid.map((z) => "|Z| from " + ohms(z.load_ohms))),
        imp.points.map((p, k) => [k, p]).filter(([k]) => k % 8 === 0).map(([k, p]) => [num(p.freq_hz, 1), pm(p.z_ohms, p.u95_ohms), num(p.r_ohms, 3), num(p.x_ohms, 3)]
          .concat(valid.map((z) => (z.points[k] ? num(z.points[k].z_ohms, 3) : "—"))))));
      sec.appendChild(table(["load", "|Z| at 1 kHz Ω", "|Z| at 20 Hz Ω"], valid.map((z) => [ohms(z.load_ohms),
        z.at_1k ? pm(z.at_1k.z_ohms, z.at_1k.u95_ohms) : "—", z.at_20hz ? pm(z.at_20hz.z_ohms, z.at_20hz.u95_ohms) : "—"])));
      // Per channel (both driven in phase; driven alone for the ground return).
      // A ground return with its uncertainty where the results carry one (*_u95_ohms); without one, a
      // negative reading (no resistance is negative) is the measurement's scatter around zero: "≈ 0 (−0.002)".
      const gr = (v, u) => (u !== undefined && u !== null ? num(v, 3) + " ± " + num(u, 3) : v < 0 ? "≈ 0 (" + num(v, 3) + ")" : num(v, 3));
      if (chans.length > 1) {
        const name = (c) => (c.channel === 0 ? "L" : c.channel === 1 ? "R" : "ch " + c.channel);
        const o = (v) => (v === undefined || v === null ? "—" : num(v, 3));
        sec.appendChild(el("table", {}, [el("tr", {}, ["channel", "|Z| at 1 kHz Ω", "|Z| at 20 Hz Ω", "max |Z| 20 Hz–20 kHz Ω", "|Z| at 1 kHz alone Ω", "ground return Ω"]
          .map((h, i) => el("th", { cls: i ? "" : "l", text: h })))].concat(chans.map((c) => el("tr", {}, [name(c), pm(c.z_1k_ohms, c.z_1k_u95_ohms), pm(c.z_20hz_ohms, c.z_20hz_u95_ohms),
          pm(c.max_z_20_20k_ohms, c.max_z_20_20k_u95_ohms), o(c.z_1k_alone_ohms), c.ground_return_ohms === undefined || c.ground_return_ohms === null ? "—" : gr(c.ground_return_ohms, c.ground_return_u95_ohms)].map((v, i) => el("td", { cls: i ? "" : "l", text: String(v) })))))));
      }
      if (port.ground_return_ohms !== undefined)
        sec.appendChild(el("p", { text: "Shared ground return " + gr(port.ground_return_ohms, port.ground_return_u95_ohms) + " Ω (real part at 1 kHz, mean of " +
          chans.filter((c) => c.ground_return_ohms !== undefined).map((c) => (c.channel ? "R " : "L ") + gr(c.ground_return_ohms, c.ground_return_u95_ohms)).join(", ") +
          "): each channel driven alone against both driven in phase into " + loadName(port.ground_return_load) +
          ". |Zout| above is with both channels driven in phase, as a stereo headphone sees it." }));
      else if (port.ground_return_note)
        sec.appendChild(el("p", { cls: "muted", text: "Shared ground return " + port.ground_return_note + "." }));
    }
    // The response each headphone would see from this port's |Zout| (complex divider), one trace per headphone.
    const hps = (port.headphones || []).filter((h) => h.points && h.points.length);
    if (hps.length) {
      const j = joined(hps.map((h) => ({ x: h.points.map((p) => p.freq_hz), y: h.points.map((p) => p.relative_db) })));
      chart(grid, "Predicted response with headphones (dB re 1 kHz, from the output impedance)", j[0], hps.map((h, i) => ({ label: h.name, values: j[i + 1] })),
        { xlog: true, xlabel: "Hz", ylabel: "dB", minSpan: 1 });
      const worst = (h) => Math.max(h.max_deviation_20_20k_db, ...(h.channels || []).map((c) => c.max_deviation_20_20k_db ?? -1));
      sec.appendChild(el("h3", { text: "Predicted response with headphones" }));
      const t = table(["headphone", "max deviation 20 Hz–20 kHz dB", "level at 1 kHz dB", "lowest damping factor"], hps.map((h) => [h.name,
        num(worst(h), 2) + (h.max_deviation_u95_db !== undefined ? " ± " + num(h.max_deviation_u95_db, 2) : ""), num(h.level_1k_db, 2), num(h.min_damping_factor, 1)]));
      t.open = true;
      sec.appendChild(t);
    }
    // THD+N versus output level per load.
    const volts = loads.some((l) => l.thdn_vs_level.some((s) => s.out_vrms !== undefined));
    // One curve per load and channel (L solid, R dashed) when the file has each channel's steps.
    const curves = loads.flatMap((l, i) => (chanOf(l, 0) && chanOf(l, 1) ? [[chanOf(l, 0), " L"], [chanOf(l, 1), " R"]] : [[l, ""]])
      .map(([c, ch]) => ({ l, i, ch, steps: c.thdn_vs_level || [], ml: c.max_level, dash: ch === " R" ? [5, 3] : undefined })));
    const lv = curves.map((c) => ({ x: c.steps.filter((s) => s.valid).map((s) => volts ? 20 * Math.log10(s.out_vrms) : s.out_dbfs),
      y: c.steps.filter((s) => s.valid).map((s) => s.thdn_db) }));
    if (lv.some((s) => s.x.length)) {
      // The interpolated 1 % and 0.1 % crossings (the maximum level), one marker per curve and limit.
      const xOf = (pt) => (volts ? pt.dbv : pt.out_dbfs);
      const cross = [];
      for (const c of curves)
        for (const [key, db] of [["at_1pct", -40], ["at_0p1pct", -60]]) {
          const pt = c.ml && c.ml[key];
          if (pt && pt.found && pt.crossed !== false && xOf(pt) !== undefined && c.steps.some((s) => s.valid && s.thdn_db >= db)) cross.push({ x: xOf(pt), y: db });
        }
      const segs = volts ? M.thdnSegments(data.results, port.name) : [];  // the THD+N limit at nominal level
      const j = joined(lv.concat([{ x: cross.map((c) => c.x), y: cross.map((c) => c.y) }], segs));
      const ser = curves.map((c, k) => ({ label: loadName(c.l) + c.ch, values: j[k + 1], points: true, dash: c.dash, color: palette[c.i % palette.length] }));
      ser.push({ label: "1 % / 0.1 % crossing", values: j[curves.length + 1], points: true, pointSize: 11, width: 0, color: "#d62728" });
      ser.push({ label: "1 %", values: j[0].map(() => -40), dash: [2, 4], color: "#888" });
      ser.push({ label: "0.1 %", values: j[0].map(() => -60), dash: [6, 4], color: "#888" });
      segs.forEach((g, k) => ser.push({ label: g.label, values: j[curves.length + 2 + k], limitValue: g.limitValue, color: "#888", width: 3, dash: [2, 2] }));
      chart(grid, "THD+N versus output level" + (curves.some((c) => c.dash) ? ", L solid, R dashed" : ""), j[0], ser, { xlabel: volts ? "dBV" : "dBFS (ADC)", ylabel: "THD+N dB", xdigits: 2, minSpan: 10, tag: tag("level", loads) });
      sec.appendChild(el("h3", { text: "THD+N versus output level" }));
      const rows = [];
      for (const c of curves)
        for (const st of c.steps)
          rows.push([loadName(c.l) + c.ch, num(st.drive_dbfs, 2), num(st.out_dbfs, 2), st.out_vrms !== undefined ? num(st.out_vrms, 4) : "—", st.valid ? num(st.thdn_db, 1) : "no tone", st.valid ? num(st.thd_db, 1) : ""]);
      sec.appendChild(table(["load", "drive dBFS", "out dBFS (ADC)", "out Vrms", "THD+N dB", "THD dB"], rows));
    }
    // Maximum level per load.
    const ml = loads.filter((l) => l.max_level && l.max_level.at_1pct.found);
    if (ml.length) maxLevelChart(grid, ml, tag("maxlevel", ml));
    if (ml.length) {
      const haveV = ml.some((l) => l.max_level.at_1pct.vrms !== undefined);
      sec.appendChild(el("h3", { text: "Maximum level" }));
      sec.appendChild(table(["load", "Vrms (1 %)", "dBV", "dBu", "mW", "Vrms (0.1 %)", "stopped because"], ml.map((l) => {
        const a = l.max_level.at_1pct, b = l.max_level.at_0p1pct;
        const each = perCh(l, (c) => (c.max_level.at_1pct.found ? (haveV ? c.max_level.at_1pct.vrms : c.max_level.at_1pct.out_dbfs) : null), 3);
        return [loadName(l), num(a.vrms, 3) + each, num(a.dbv, 1), num(a.dbu, 1), num(a.mw, 1), b.found ? (b.crossed === false ? "≥ " : "") + num(b.vrms, 3) : "—", l.max_level.explanation];
      })));
    }
    // THD+N and THD versus frequency: at the reference level and, where it ran, 6 dB below the 1 % point.
    if (port.thdn_vs_freq && port.thdn_vs_freq.length) {
      const near = port.thdn_vs_freq_near_max;
      // Each channel's points (thdn_vs_freq_channels[], channels[]) when the file has them: L solid, R dashed.
      const split = (name, pts, chans, k) => (chans && chans.length >= 2
        ? chans.slice(0, 2).map((c, i) => ({ name: name + (i ? " R" : " L"), pts: c.points.filter((p) => p.valid), k, r: i === 1 }))
        : [{ name, pts: pts.filter((p) => p.valid), k, r: false }]);
      const runs = split("reference (" + num(port.thdn_vs_freq_drive_dbfs, 1) + " dBFS)", port.thdn_vs_freq, port.thdn_vs_freq_channels, 0);
      if (near && near.points.length) runs.push(...split("near max (" + num(near.drive_dbfs, 1) + " dBFS)", near.points, near.channels, 1));
      const j = joined(runs.flatMap((r) => [{ x: r.pts.map((p) => p.freq_hz), y: r.pts.map((p) => p.thdn_db) },
        { x: r.pts.map((p) => p.freq_hz), y: r.pts.map((p) => (p.thd_db === undefined || p.thd_db === null ? null : p.thd_db)) }]));
      const ser = [];
      runs.forEach((r, i) => {
        ser.push({ label: "THD+N, " + r.name, values: j[2 * i + 1], points: true, dash: r.r ? [5, 3] : undefined, color: palette[r.k] });
        ser.push({ label: "THD, " + r.name, values: j[2 * i + 2], points: true, dash: r.r ? [8, 3, 2, 3] : [2, 3], color: palette[r.k] });
      });
      chart(grid, "THD+N and THD versus frequency (" + loadName(port.nominal_load) + ")" + (runs.some((r) => r.r) ? ", L solid, R dashed; THD dotted" : ""), j[0], ser, { xlog: true, xlabel: "Hz", ylabel: "dB", minSpan: 10, tag: tag("thdn_freq", loads.filter((l) => l.load === port.nominal_load)) });
      sec.appendChild(el("h3", { text: "THD+N and THD versus frequency" }));
      sec.appendChild(el("p", { cls: "muted", text: thdBandNote(data.results.conditions && data.results.conditions.band_hz) }));
      const oob = (p) => (p.first_harmonic_out_of_band ? "H" + p.first_harmonic_out_of_band + " and above (from " + num(p.first_harmonic_out_of_band * p.freq_hz / 1000, 1) + " kHz)" : "none");
      const rows = [];
      for (const r of runs) for (const p of r.pts) rows.push([num(p.freq_hz, 1), r.name, num(p.thdn_db, 1), thdOf(p), num(p.level_dbfs, 2), oob(p)]);
      sec.appendChild(table(["Hz", "level", "THD+N dB", "THD dB", "level dBFS (ADC)", "harmonics out of band"], rows));
    }
    if (window.obImd) window.obImd(port, sec, grid, { el, table, chart, joined, num, loadName, palette });  // imd.js
    // Crosstalk versus frequency into the nominal load.
    if (port.crosstalk_vs_freq && port.crosstalk_vs_freq.length) {
      const x = port.crosstalk_vs_freq;
      // Readings as filled markers on the line; upper bounds (leak below the narrow-band noise) as hollow markers.
      const ser = [];
      for (const [key, label, i] of [["l_to_r", "L → R", 0], ["r_to_l", "R → L", 1]]) {
        const isBound = (p) => p[key + "_bound"] === true;
        ser.push({ label, values: x.map((p) => (isBound(p) ? null : p[key + "_db"])), points: true, dash: i ? [5, 3] : undefined, color: palette[i] });
        if (x.some(isBound))
          ser.push({ label: label + " upper bound (<)", values: x.map((p) => (isBound(p) ? p[key + "_db"] : null)), points: true, pointSize: 8, width: 0, hollow: true, color: palette[i] });
      }
      chart(grid, "Crosstalk versus frequency (" + loadName(port.nominal_load) + ", reference level)", x.map((p) => p.freq_hz), ser,
        { xlog: true, xlabel: "Hz", ylabel: "dB", ydigits: 1, minSpan: 10, tag: tag("crosstalk", loads.filter((l) => l.load === port.nominal_load)) });
      sec.appendChild(el("h3", { text: "Crosstalk versus frequency" }));
      if (x.some((p) => p.l_to_r_bound || p.r_to_l_bound))
        sec.appendChild(el("p", { cls: "muted", text: "Hollow markers and “< x”: the leak did not stand 10 dB above the narrow-band noise at that frequency; x is its 95 % upper bound." }));
      sec.appendChild(table(["Hz", "L → R dB", "R → L dB"], x.map((p) => [num(p.freq_hz, 1), xt(p.l_to_r_db, p.l_to_r_bound), xt(p.r_to_l_db, p.r_to_l_bound)])));
    }
    // Sections of their own files (volume.js: volume tracking), with this file's plot and table helpers.
    for (const f of window.obPortSections || []) f(port, sec, grid, { el, chart, table, num, loadName, palette, fg });
    // Spectrum of the reference tone into the nominal load, with harmonics marked; noise spectrum.
    const nl = loads.find((l) => l.load === port.nominal_load) || loads[0];
    if (nl && nl.spectrum && nl.spectrum.level_dbfs.length) {
      const sp = nl.spectrum, xs = sp.level_dbfs.map((_, i) => sp.start_hz * Math.pow(2, i / sp.points_per_octave));
      const sr = chanOf(nl, 1) && chanOf(nl, 1).spectrum;
      const ser = [{ label: "reference tone" + (sr ? " L" : ""), values: sp.level_dbfs }];
      if (sr && sr.level_dbfs.length === sp.level_dbfs.length) ser.push({ label: "reference tone R", values: sr.level_dbfs, dash: [5, 3], color: palette[0] });
      const h = (nl.thdn_reference.harmonics || []).map((x) => x.freq_hz);
      const marks = xs.map((f) => (h.some((hf) => Math.abs(Math.log2(f / hf)) < 0.5 / sp.points_per_octave) ? nl.thdn_reference.level_dbfs + Math.max(...nl.thdn_reference.harmonics.map((x) => x.level_dbc || -200)) : null));
      ser.push({ label: "harmonics", values: xs.map((f, i) => (marks[i] !== null ? sp.level_dbfs[i] : null)), points: true, width: 0, color: "#d62728" });
      // The scale is stated (results since this version): a sine reads its level; older files: the bin's power.
      const spScale = sp.scale === "sine" ? ", a sine reads its level; noise per " + num(sp.bin_hz, 2) + " Hz bin, " + sp.window + " window" : ", power per FFT bin (max-hold per 1/48 octave)";
      chart(grid, "Spectrum of the reference tone (" + loadName(nl) + spScale + ")", xs, ser, { xlog: true, xlabel: "Hz", ylabel: "dBFS", ydigits: 1, tag: tag("spectrum", [nl]) });
      sec.appendChild(el("h3", { text: "Harmonics of the reference tone (" + loadName(nl) + ")" }));
      sec.appendChild(table(["order", "Hz", "dBc", "in band"], nl.thdn_reference.harmonics.map((x) => [x.order, num(x.freq_hz, 1), num(x.level_dbc, 1) + (x.below_noise ? " (below noise)" : ""), x.in_band ? "yes" : "no"])));
      sec.appendChild(table(["Hz (every 6th of an octave)", "dBFS"], xs.map((f, i) => [f, i]).filter(([, i]) => i % 8 === 0).map(([f, i]) => [num(f, 1), num(sp.level_dbfs[i], 1)])));
    }
    if (nl && nl.noise_spectrum && nl.noise_spectrum.level_dbfs.length) {
      const ns = nl.noise_spectrum, xs = ns.level_dbfs.map((_, i) => ns.start_hz * Math.pow(2, i / ns.points_per_octave));
      const density = ns.scale === "density_per_hz";
      // Each channel's own (channels[].noise_spectrum, results since this version): L solid, R dashed.
      const rn = chanOf(nl, 1) && chanOf(nl, 1).noise_spectrum;
      const nr = rn && rn.level_dbfs.length === ns.level_dbfs.length ? rn : null;
      chart(grid, "Idle-channel noise spectrum (" + loadName(nl) + (density ? ", density in 1 Hz, mean per 1/48 octave of " + num(ns.bin_hz, 2) + " Hz bins, " + ns.window + " window" : ", max-hold per 1/48 octave") + (nr ? ", L solid, R dashed)" : ")"), xs,
        [{ label: "idle noise" + (nr ? " L" : ""), values: ns.level_dbfs, color: "#7f7f7f" }].concat(nr ? [{ label: "idle noise R", values: nr.level_dbfs, color: "#7f7f7f", dash: [5, 3] }] : []),
        { xlog: true, xlabel: "Hz", ylabel: density ? "dBFS/√Hz" : "dBFS", ydigits: 1, tag: tag("noise", [nl]) });
      sec.appendChild(el("h3", { text: "Idle-channel noise spectrum (" + loadName(nl) + ")" }));
      const nunit = density ? "dBFS/√Hz" : "dBFS";
      sec.appendChild(table(["Hz (every 6th of an octave)"].concat(nr ? ["L " + nunit, "R " + nunit] : [nunit]), xs.map((f, i) => [f, i]).filter(([, i]) => i % 8 === 0).map(([f, i]) => [num(f, 1), num(ns.level_dbfs[i], 1)].concat(nr ? [num(nr.level_dbfs[i], 1)] : []))));
    }
    // Everything per load in one table.
    sec.appendChild(el("h3", { text: "Per load" }));
    // Noise in use: the idle noise, or under the -60 dBFS tone (marked †) where the output mutes on digital silence.
    const inUse = (l) => (l.mutes_on_silence && l.noise_under_tone ? l.noise_under_tone : l.noise);
    const mark = (l) => (l.mutes_on_silence ? " †" : "");
    const nk = (l, a) => (l.mutes_on_silence && l.noise_under_tone ? "noise_under_tone" : "noise") + (a ? "_a" : "");
    const withNet = (l) => loadName(l) + (l.load_network ? " (" + l.load_network + ")" : "");  // a reactive load's network
    sec.appendChild(table(["load", "THD+N dB", "THD dB", "level dBFS", "noise dBFS", "noise(A) dBFS", "noise dBV", "DR dB", "DR(A) dB", "SNR dB", "SNR(A) dB", "balance dB", "crosstalk L→R / R→L dB", "response ±dB", "latency"],
      port.loads.map((l) => l.valid ? [withNet(l), fl(l, "thdn", l.thdn_reference.thdn_db, 1, "≤") + perCh(l, (c) => c.thdn_reference.thdn_db, 1, "thdn", "≤"), thdOf(l.thdn_reference), num(l.thdn_reference.level_dbfs, 2),
        fl(l, nk(l, false), inUse(l).unweighted_dbfs, 1, "≤") + mark(l) + perCh(l, (c) => inUse(Object.assign({ mutes_on_silence: l.mutes_on_silence }, c)).unweighted_dbfs, 1, nk(l, false), "≤"),
        fl(l, nk(l, true), inUse(l).a_weighted_dbfs, 1, "≤") + mark(l), num(inUse(l).unweighted_dbv, 1) + mark(l), fl(l, "dynamic_range", l.dynamic_range_db, 1, "≥") + perCh(l, (c) => c.dynamic_range_db, 1, "dynamic_range", "≥"), fl(l, "dynamic_range_a", l.dynamic_range_a_db, 1, "≥"),
        fl(l, "snr", l.snr_db, 1, "≥") + mark(l) + perCh(l, (c) => c.snr_db, 1, "snr", "≥"), fl(l, "snr_a", l.snr_a_db, 1, "≥") + mark(l), num(l.balance_db, 3),
        l.crosstalk.length ? l.crosstalk.map((x) => num(x.freq_hz, 0) + " Hz: " + xt(x.l_to_r_db, x.l_to_r_bound) + " / " + xt(x.r_to_l_db, x.r_to_l_bound)).join(", ") : "—",
        num(l.response_deviation_20_20k_db, 2), l.response.latency_samples] : [withNet(l), l.problem, "", "", "", "", "", "", "", "", "", "", "", "", ""])));
    sec.appendChild(el("p", { cls: "sub", text: data.results.schema === "outbench/1"
      ? "DR is relative to 0 dBFS (AES17: the THD+N of a −60 dBFS tone plus 60 dB), SNR to the maximum level: this file is of schema outbench/1, written before DR was referenced to the maximum level."
      : "Each figure is the worse channel's; “(L x / R y)” gives each channel's where they differ. DR and SNR are relative to the maximum level into each load (the 1 % THD+N point, or the level at full-scale drive where the search stopped there), not to 0 dBFS: DR over the THD+N residual of a −60 dBFS tone, SNR over the noise. Both read within about 0.2 dB of each other when the tone's residual is noise." }));
    const af = port.analyser_floor;
    if (af)
      sec.appendChild(el("p", { cls: "sub", text: af.measured
        ? "Analyser floor (" + af.source + "): noise " + num(af.noise_dbfs, 1) + " dBFS" + (af.noise_a_dbfs !== undefined ? ", A-weighted " + num(af.noise_a_dbfs, 1) + " dBFS" : "") +
          (af.input_full_scale_vrms !== undefined ? ", input full scale " + num(af.input_full_scale_vrms, 2) + " Vrms" : "") +
          ". Within 3 dB of it a figure measures the analyser and is a bound (≤ noise or THD+N, ≥ SNR or DR); 3 to 10 dB above it the floor-corrected figure (floor subtracted in power) follows in brackets (corr.)."
        : "Analyser floor not measured" + (af.note ? ": " + af.note : "") + "; the figures carry no margin over it." }));
    const muting = port.loads.filter((l) => l.valid && l.mutes_on_silence);
    if (muting.length)
      sec.appendChild(el("p", { cls: "sub", text: "† The output mutes on digital silence (" + muting.map((l) => loadName(l) + ": idle noise " + num(l.noise.unweighted_dbfs, 1) + " dBFS").join(", ") +
        "): noise and SNR there are measured under a −60 dBFS tone, its fundamental and harmonics notched out." }));
    void other;
  }

  // Maximum level per load: one bar per load (Vrms, or ADC dBFS uncalibrated), mW as points on the right
  // axis; under each bar its load and why the search stopped there.
  function maxLevelChart(grid, ml, tag) {
    const short = { thdn_1pct: "1 % THD+N", current_limit: "current limit", rail_clipping: "rails", compression: "compression",
      safety_limit: "safety limit", full_scale: "full scale", input_full_scale: "input full scale", no_signal: "no signal" };
    const xs = ml.map((_, i) => i + 1);
    const haveV = ml.some((l) => l.max_level.at_1pct.vrms !== undefined);
    const at1 = ml.every((l) => l.max_level.stop_reason === "thdn_1pct") ? "at 1 % THD+N" : ml.every((l) => l.max_level.stop_reason === "full_scale") ? "at full-scale drive" : "at 1 % THD+N or where the search stopped";
    const bars = uPlot.paths.bars({ size: [0.5, 80] });
    const ser = [{ label: (haveV ? "Vrms " : "dBFS (ADC) ") + at1, values: ml.map((l) => (haveV ? l.max_level.at_1pct.vrms : l.max_level.at_1pct.out_dbfs) ?? null), paths: bars, width: 1, fill: palette[0] + "99" }];
    // Each channel's own 1 % point on its load's bar (loads[].channels[].max_level): L filled, R hollow.
    const chML = (l, c) => { const x = (l.channels || []).find((e) => e.channel === c && e.max_level && e.max_level.at_1pct.found); return x ? (haveV ? x.max_level.at_1pct.vrms : x.max_level.at_1pct.out_dbfs) ?? null : null; };
    if (ml.some((l) => chML(l, 1) !== null))
      for (const [c, name] of [[0, "L"], [1, "R"]]) ser.push({ label: name + " channel", values: ml.map((l) => chML(l, c)), points: true, pointSize: 7, width: 0, hollow: c === 1, color: palette[2] });
    const haveMw = ml.some((l) => l.max_level.at_1pct.mw !== undefined);
    if (haveMw) ser.push({ label: "mW (right axis)", values: ml.map((l) => l.max_level.at_1pct.mw ?? null), points: true, pointSize: 8, width: 0, scale: "y2", color: palette[1] });
    const lo = haveV ? 0 : Math.min(...ser[0].values.filter((v) => v !== null)) - 6;
    const box = chart(grid, "Maximum level per load (under each bar: why the search stopped)", xs, ser, {
      xlabel: "load", ylabel: haveV ? "Vrms" : "dBFS", y2label: haveMw ? "mW" : undefined, xdigits: 0, ydigits: 3,
      tag, xrange: () => [0.5, ml.length + 0.5], yrange: (u, a, hi) => [lo, haveV ? hi * 1.1 : Math.max(hi + 1, lo + 10)],
      xaxis: { size: 56, splits: () => xs, values: (u, splits) => splits.map((i) => (ml[i - 1] ? loadName(ml[i - 1]) + "\n" + (short[ml[i - 1].max_level.stop_reason] || ml[i - 1].max_level.stop_reason || "") : "")) },
    });
    box.classList.add("maxlevel");
  }

  function reportPage() {
    const root = byId("outbench-ports");
    for (const p of data.results.ports) portSection(p, root);
  }

  // The comparison page (compare.js) draws with the same helpers.
  window.obReport = { chart, el, table, joined, palette, fg, plots, errors };

  // Printing shows every table: closed <details> would hide them.
  window.addEventListener("beforeprint", () => { for (const d of document.querySelectorAll("details")) d.open = true; });

  try {
    if (mode === "report") reportPage();
  } catch (e) {
    errors.push("report script: " + (e && e.stack ? e.stack : e));
  }
  // Self-check for the rendering tests: every plot must have drawn pixels.
  setTimeout(() => {
    let drawn = 0;
    for (const u of plots) {
      // Data first: axes and grid alone draw pixels, so a plot with no finite value is not "drawn".
      const hasData = u.data.slice(1).some((ser) => ser.some((v) => v !== null && v !== undefined && Number.isFinite(v)));
      const c = u.ctx.canvas, px = u.ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) n++;
      if (hasData && n > 200) drawn++;
    }
    byId("outbench-selftest").textContent = JSON.stringify({ plots: plots.length, drawn, errors });
    // For the browser tests (page opened with #plotdata): every plot's series as drawn, to read values back, and
    // the x axis's tick labels as uPlot drew them (its last rendered values; e.g. each maximum-level bar's load
    // and stop reason).
    if (/plotdata/.test(location.hash))
      document.body.appendChild(el("pre", { id: "outbench-plotdata", text: JSON.stringify(plots.map((u) => Object.assign({}, u.obMeta, {
        x: u.data[0], x_ticks: u.axes[0]._values || null, x_range: [u.scales.x.min, u.scales.x.max], y_range: [u.scales.y.min, u.scales.y.max],
        series: u.series.slice(1).map((s, i) => ({ label: s.label, dashed: !!(s.dash && s.dash.length), values: u.data[i + 1] })) }))) }));
  }, 300);
})();
