// outbench report page: the multitone section of a port (results ports[].multitone, docs/MEASUREMENTS.md
// "Multitone"): TD+N versus frequency per third-octave band with its noise floor, and the response at the tones,
// L solid, R dashed (as THD+N versus frequency). Registered in window.obPortSections; report.js calls it inside
// each port's section with its plot and table helpers (h).
(function () {
  "use strict";
  function multitoneSection(port, sec, grid, h) {
    const m = port.multitone;
    if (!m || !m.channels || !m.channels.some((c) => c.valid)) return;
    const num = h.num;
    const chans = m.channels.filter((c) => c.valid).slice(0, 2);
    const xs = chans[0].tones.map((t) => t.freq_hz);
    const nm = (c) => (chans.length > 1 ? (c.channel === 0 ? " L" : c.channel === 1 ? " R" : " ch " + c.channel) : "");
    const dash = (c, d) => (c.channel === 1 ? [5, 3] : d);
    const ser = [];
    for (const c of chans) {
      ser.push({ label: "TD+N" + nm(c), values: c.tones.map((t) => t.tdn_db), points: true, dash: dash(c), color: h.palette[0] });
      ser.push({ label: "noise floor" + nm(c), values: c.tones.map((t) => t.floor_db), dash: c.channel === 1 ? [8, 3, 2, 3] : [2, 3], color: h.palette[2] });
    }
    const load = h.loadName(m.load);
    h.chart(grid, "Multitone: TD+N versus frequency (" + load + ", " + num(m.drive_dbfs, 1) + " dBFS peak)" + (chans.length > 1 ? ", L solid, R dashed" : ""), xs, ser,
      { xlog: true, xlabel: "Hz", ylabel: "dB re multitone", ydigits: 1, minSpan: 10 });
    const rs = chans.map((c) => ({ label: "response" + nm(c), values: c.tones.map((t) => t.response_db), points: true, dash: dash(c), color: h.palette[1] }));
    h.chart(grid, "Multitone: response at the tones (" + load + ")" + (chans.length > 1 ? ", L solid, R dashed" : ""), xs, rs,
      { xlog: true, xlabel: "Hz", ylabel: "dB re stimulus", ydigits: 2, minSpan: 1 });
    sec.appendChild(h.el("h3", { text: "Multitone (TD+N and response versus frequency)" }));
    sec.appendChild(h.el("p", { cls: "muted", text: chans[0].tones.length + " third-octave tones in one " + num(m.duration_s, 2) + " s capture, each at " + num(m.tone_level_dbfs, 1) +
      " dBFS (crest factor " + num(m.crest_factor_db, 1) + " dB). TD+N: everything in the band around each tone that is not a tone (harmonics, intermodulation between the tones, noise), in dB re the whole multitone; it reads higher than single-tone THD+N. Over the band: " +
      chans.map((c) => "TD+N" + nm(c) + " " + num(c.tdn_db, 1) + " dB (floor " + num(c.floor_db, 1) + " dB)").join(", ") + "." }));
    const rows = xs.map((f, i) => [num(f, 0)].concat(chans.flatMap((c) => [num(c.tones[i].response_db, 2), num(c.tones[i].tdn_db, 1), num(c.tones[i].floor_db, 1)])));
    sec.appendChild(h.table(["Hz"].concat(chans.flatMap((c) => ["response" + nm(c) + " dB", "TD+N" + nm(c) + " dB", "floor" + nm(c) + " dB"])), rows));
    for (const c of m.channels.filter((c) => !c.valid)) sec.appendChild(h.el("p", { cls: "muted", text: "channel " + c.channel + ": " + c.problem }));
  }
  window.obPortSections = window.obPortSections || [];
  window.obPortSections.push(multitoneSection);
})();
