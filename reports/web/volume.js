// outbench report page: the volume-tracking section of a port (results ports[].volume, docs/MEASUREMENTS.md
// "Volume tracking"): balance and each channel's gain error versus the volume setting, with the rules' balance
// limit, and a table of every step. Registered in window.obPortSections; report.js calls it inside each port's
// section with its plot and table helpers (h), after crosstalk versus frequency.
(function () {
  "use strict";
  function volumeSection(port, sec, grid, h) {
    const v = port.volume;
    if (!v || !v.steps || !v.steps.length) return;
    const num = h.num;
    // Ascending x for the plot (uPlot): the lowest setting first; x is the setting relative to the top.
    const steps = v.steps.slice().sort((a, b) => a.setting_db - b.setting_db);
    const xs = steps.map((s) => s.setting_db - v.top_db);
    const ch = (s, c) => (s.channels || []).find((x) => x.channel === c) || {};
    const val = (x) => (x === undefined ? null : x);
    const stereo = steps.some((s) => s.channels && s.channels.length > 1);
    const ser = [];
    if (stereo) ser.push({ label: "balance L − R", values: steps.map((s) => val(s.balance_db)), points: true, width: 2.5, color: h.fg });
    ser.push({ label: "gain error L", values: steps.map((s) => val(ch(s, 0).gain_error_db)), points: true, color: h.palette[0] });
    if (stereo) ser.push({ label: "gain error R", values: steps.map((s) => val(ch(s, 1).gain_error_db)), points: true, dash: [5, 3], color: h.palette[1] });
    for (const sign of [1, -1])
      ser.push({ label: (sign > 0 ? "+" : "−") + "balance limit", values: xs.map(() => sign * v.balance_limit_db), dash: [2, 4], color: "#888" });
    h.chart(grid, "Volume tracking (" + h.loadName(v.load) + "): balance and gain error versus volume setting", xs, ser,
      { xlabel: "volume dB re top", ylabel: "dB", xdigits: 0, ydigits: 2, minSpan: 1.2 * 2 * v.balance_limit_db });
    sec.appendChild(h.el("h3", { text: "Volume tracking" }));
    const lowest = steps[0].setting_db - v.top_db;
    const to = v.balanced_down_to_db;
    sec.appendChild(h.el("p", { text: to === null || to === undefined
      ? "Left and right differ by more than " + num(v.balance_limit_db, 1) + " dB at every setting measured."
      : "Balance within ±" + num(v.balance_limit_db, 1) + " dB down to " + num(to - v.top_db, 0) + " dB of volume" +
        (to - v.top_db > lowest + 1e-9 ? "." : " (the lowest setting measured).") }));
    const noiseKey = steps.some((s) => ch(s, 0).noise_dbv !== undefined) ? "noise_dbv" : "noise_dbfs";
    const lr = (s, k, d) => (stereo ? num(ch(s, 0)[k], d) + " / " + num(ch(s, 1)[k], d) : num(ch(s, 0)[k], d));
    const head = ["volume dB re top", "drive dBFS", "level dBFS" + (stereo ? " L / R" : ""), "gain error dB" + (stereo ? " L / R" : ""),
      "balance dB", "THD+N dB" + (stereo ? " L / R" : ""), "noise " + (noiseKey === "noise_dbv" ? "dBV" : "dBFS") + (stereo ? " L / R" : "")];
    sec.appendChild(h.table(head, v.steps.map((s) => [num(s.setting_db - v.top_db, 0), num(s.drive_dbfs, 1), lr(s, "level_dbfs", 2),
      lr(s, "gain_error_db", 3), num(s.balance_db, 3), lr(s, "thdn_db", 1), lr(s, noiseKey, 1)])));
  }
  window.obPortSections = (window.obPortSections || []).concat([volumeSection]);
})();
