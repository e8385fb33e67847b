// outbench report page: a port's DC offset and switching transients (results ports[].dc_offset and
// ports[].transients, docs/MEASUREMENTS.md "DC offset and switching transients"): a table of each channel's DC
// offset and how it was measured, a table of the transients (peak, duration, how much was seen) and a plot of
// each measured event's waveform (channel L solid, R dashed). Registered in window.obPortSections.
(function () {
  "use strict";
  const chName = (c) => (c === 0 ? "L" : c === 1 ? "R" : "ch " + c);
  function dcSection(port, sec, grid, h) {
    const dc = port.dc_offset, tr = port.transients;
    if (!dc && !tr) return;
    const num = h.num;
    const val = (x, d) => (x === undefined || x === null ? "—" : num(x, d));
    sec.appendChild(h.el("h3", { text: "DC offset and switching transients" }));
    if (dc && dc.channels && dc.channels.length)
      sec.appendChild(h.table(["DC offset (" + h.loadName(dc.load) + ")", "mV at the load", "method", "note"],
        dc.channels.map((c) => [chName(c.channel), val(c.value_mv, 2), c.method.replace("_", " "), c.note || ""])));
    if (!tr || !tr.events || !tr.events.length) return;
    const evName = { start: "stream start", stop: "stream stop", rate_change: "sample-rate change" };
    sec.appendChild(h.table(["transient (" + h.loadName(tr.load) + ")", "channel", "peak mV", "peak dBFS", "duration ms", "seen", "note"],
      tr.events.map((e) => [(evName[e.event] || e.event) + (e.to_rate_hz ? " (to " + val(e.to_rate_hz / 1000, 1) + " kHz)" : ""), chName(e.channel), val(e.peak_mv, 1), val(e.peak_dbfs, 1),
        val(e.duration_ms, 2), e.seen.replace("_", " "), e.note || ""])));
    for (const ev of ["start", "stop", "rate_change"]) {
      const es = tr.events.filter((e) => e.event === ev && e.wave && e.wave.values && e.wave.values.length);
      if (!es.length) continue;
      const w0 = es[0].wave, n = Math.max(...es.map((e) => e.wave.values.length));
      const xs = Array.from({ length: n }, (_, i) => w0.start_ms + i * w0.step_ms);
      const ser = es.map((e, i) => ({ label: chName(e.channel), values: xs.map((_, k) => (k < e.wave.values.length ? e.wave.values[k] : null)),
        dash: i ? [5, 3] : undefined, color: h.palette[i % h.palette.length] }));
      h.chart(grid, "Switching transient: " + evName[ev] + " (" + h.loadName(tr.load) + ", excursion from the level before)", xs, ser,
        { xlabel: "ms from the event", ylabel: w0.unit === "mV" ? "mV" : "FS", xdigits: 1, ydigits: 1 });
    }
  }
  window.obPortSections = (window.obPortSections || []).concat([dcSection]);
})();
