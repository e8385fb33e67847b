// outbench report: the intermodulation of a port (results ports[].imd, reports/SCHEMA.md): a table of SMPTE and
// CCIF at the reference level per channel, and IMD versus level (L solid, R dashed), with its steps in a table.
// report.js calls window.obImd(port, sec, grid, helpers) with its own element, table and chart helpers.
(function () {
  "use strict";
  window.obImd = function (port, sec, grid, h) {
    const imd = port.imd;
    if (!imd || !imd.smpte) return;
    const { el, table, chart, joined, num, loadName, palette } = h;
    const chName = (c) => (c === 0 ? "L" : c === 1 ? "R" : "ch " + c);
    const lt = (s) => (s.bound ? "< " : "");
    const db = (s, k) => (s.valid && s[k + "_db"] !== null && s[k + "_db"] !== undefined ? lt(s) + num(s[k + "_db"], 1) : "—");
    const pc = (s, k) => (s.valid && s[k + "_pct"] !== null && s[k + "_pct"] !== undefined ? lt(s) + Number(s[k + "_pct"]).toPrecision(2) + " %" : "—");
    const std = [["SMPTE", imd.smpte, ["imd"]], ["CCIF", imd.ccif, ["d2", "d3"]]].filter((s) => s[1]);
    const volts = std.some(([, s]) => s.vs_level.some((c) => c.steps.some((st) => st.valid && st.out_vrms !== undefined && st.out_vrms !== null)));
    const lvl = (st) => (volts ? (st.out_vrms > 0 ? 20 * Math.log10(st.out_vrms) : null) : st.level_dbfs);
    // The table at the reference level: one row per standard and channel.
    const rows = [];
    for (const [name, s, keys] of std)
      for (const r of s.reference)
        rows.push([name + " " + chName(r.channel), num(r.drive_dbfs, 1), r.valid ? num(r.level_dbfs, 2) : r.problem || "—",
          keys.map((k) => (keys.length > 1 ? k + " " : "") + db(r, k) + " dB (" + pc(r, k) + ")").join(", ")]);
    sec.appendChild(el("h3", { text: "Intermodulation (" + loadName(imd.load) + ", reference level)" }));
    const t = el("table");
    t.appendChild(el("tr", {}, ["test", "drive dBFS", "level dBFS (ADC)", "IMD (SMPTE) / d2, d3 (CCIF)"].map((x, i) => el("th", { cls: i ? "" : "l", text: x }))));
    for (const r of rows) t.appendChild(el("tr", {}, r.map((c, i) => el("td", { cls: i ? "" : "l", text: String(c) }))));
    sec.appendChild(t);
    sec.appendChild(el("p", { cls: "muted", text: "SMPTE: 60 Hz + 7 kHz, 4:1, the sidebands f2 ± n·f1 (n = 1…4) relative to the 7 kHz tone. CCIF: 19 + 20 kHz, 1:1, d2 at 1 kHz and d3 at 18 and 21 kHz relative to the sum of the two tones. “< x”: products under the noise could matter, x is an upper bound." +
      (imd.note ? " " + imd.note + "." : "") }));
    // IMD versus level: one curve per figure and channel (L solid, R dashed).
    const curves = [];
    std.forEach(([name, s, keys], si) => keys.forEach((k, ki) => s.vs_level.forEach((c) => {
      const pts = c.steps.filter((st) => st.valid && lvl(st) !== null && st[k + "_db"] !== null && st[k + "_db"] !== undefined);
      curves.push({ label: (name === "SMPTE" ? "SMPTE" : "CCIF " + k) + (s.vs_level.length > 1 ? " " + chName(c.channel) : ""), color: palette[si + ki],
        dash: c.channel === 1 ? [5, 3] : undefined, x: pts.map(lvl), y: pts.map((st) => st[k + "_db"]), steps: c.steps, k, name, channel: c.channel });
    })));
    if (!curves.some((c) => c.x.length)) return;
    const j = joined(curves.map((c) => ({ x: c.x, y: c.y })));
    chart(grid, "IMD versus output level (" + loadName(imd.load) + ")" + (curves.some((c) => c.dash) ? ", L solid, R dashed" : ""), j[0],
      curves.map((c, i) => ({ label: c.label, values: j[i + 1], points: true, dash: c.dash, color: c.color })),
      { xlabel: volts ? "dBV" : "dBFS (ADC)", ylabel: "dB", xdigits: 2, ydigits: 1, minSpan: 10 });
    sec.appendChild(el("h3", { text: "IMD versus output level" }));
    const steps = [];
    for (const c of curves)
      for (const st of c.steps)
        steps.push([c.label, num(st.drive_dbfs, 2), st.valid ? num(st.level_dbfs, 2) : "—", st.valid && st.out_vrms !== undefined ? num(st.out_vrms, 4) : "—",
          st.valid ? db(st, c.k) : st.problem || "no reading", st.valid ? pc(st, c.k) : ""]);
    sec.appendChild(table(["figure", "drive dBFS", "level dBFS (ADC)", "out Vrms", "dB", "%"], steps));
  };
})();
