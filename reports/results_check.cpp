// Validation of a results.json before the report and compare pages read it: every field that
// html_report.cpp or report.js reads is checked for its type (finite numbers, array lengths, required
// members), so a hand-edited or truncated file gives an error naming the field instead of a crash, a
// half-drawn page or a page whose script stops.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "measure/errors.hpp"
#include "reports/html_report.hpp"
#include "reports/results_check_node.hpp"

namespace outbench {

using nlohmann::json;

namespace {

using results_check::each;
using results_check::Node;

// A magnitude that cannot be negative (volts, ohms of |Z|, milliwatts, uncertainties): a number >= 0 (or null,
// where the field may be null). A negative value is no run's: refused, so the page never draws it.
void nonneg(const Node& n, const char* key, bool or_null = false) {
  if (!n.has(key)) return;
  const Node m = n.member(key, "a number >= 0");
  if (or_null && m.json_value().is_null()) return;
  m.number_within(0, HUGE_VAL, false, or_null ? "a number >= 0 or null" : "a number >= 0");
}

void check_z_point(const Node& p) {
  p.num("freq_hz");
  p.num("z_ohms");
  nonneg(p, "z_ohms");
  p.num("r_ohms");
  p.num("x_ohms");
  p.opt_num("u95_ohms");
  nonneg(p, "u95_ohms");
}

// Points of a sweep (response, |Zout|): at strictly rising frequencies, as every run writes them (the plots and
// tables read them in order; a reversed or repeated frequency is no measurement).
void check_rising(const Node& pts) {
  for (std::size_t i = 1; i < pts.size(); ++i) {
    const json& a = pts.json_value().at(i - 1).at("freq_hz");
    const json& b = pts.json_value().at(i).at("freq_hz");
    if (!(b.get<double>() > a.get<double>()))
      pts.item(i)
          .member("freq_hz", "")
          .fail("a frequency above the previous point's (" + a.dump() + " Hz at " + pts.path() + "[" +
                std::to_string(i - 1) + "]): points at rising frequencies");
  }
}

// Z points (checked by check_z_point) at rising frequencies.
void check_z_points(const Node& pts) {
  each(pts, check_z_point);
  check_rising(pts);
}

// A plot spectrum (results_json.cpp spectrum_json): bands from start_hz, points_per_octave of them per octave,
// the report's x axis start_hz * 2^(i / points_per_octave). Values that are well-typed but no spectrum a run
// writes (a band count that puts every band at start_hz, a zero bin width, an unknown scale) are refused:
// the page would state a scale or a bin width the numbers do not have.
void check_spectrum(const Node& s) {
  constexpr double kTopHz = 1e6;  // above every rate's Nyquist (rates up to 384 kHz)
  s.member("start_hz", "a number > 0").number_within(0, kTopHz, true, "a frequency > 0 and at most 1e6 Hz");
  s.member("points_per_octave", "a number > 0")
      .number_within(1, 1000, false, "a number of bands per octave from 1 to 1000 (runs write 48)");
  const Node lv = s.arr("level_dbfs");
  for (std::size_t i = 0; i < lv.size(); ++i) lv.item(i).number_or_null();
  const double start_hz = s.json_value().at("start_hz").get<double>();
  const double ppo = s.json_value().at("points_per_octave").get<double>();
  if (lv.size() > 1 && !(start_hz * std::exp2(static_cast<double>(lv.size() - 1) / ppo) <= kTopHz))
    lv.fail("bands ending at or below 1e6 Hz (start_hz * 2^((n - 1) / points_per_octave) with n = " +
            std::to_string(lv.size()) + " bands)");
  s.opt_one_of("scale", {"sine", "density_per_hz"});
  s.opt_str("window");
  if (s.has("bin_hz"))
    s.member("bin_hz", "a number > 0").number_within(0, kTopHz, true, "a bin width > 0 and at most 1e6 Hz");
}

void check_level_point(const Node& p) {
  p.boolean("found");
  if (!p.flag("found")) return;
  p.num("drive_dbfs");
  p.num_or_null("out_dbfs");
  for (const char* k : {"vrms", "dbv", "dbu", "mw"}) p.opt_num_or_null(k);
  nonneg(p, "vrms", true);
  nonneg(p, "mw", true);
  p.opt_bool("crossed");
}

// A THD+N analysis (analysis_json.cpp thdn_json): THD+N and THD in the tables, the harmonics on the spectrum.
void check_thdn(const Node& t) {
  t.opt_bool("valid");
  t.opt_num_or_null("thdn_db");
  t.opt_num_or_null("thd_db");
  t.opt_bool("thd_below_noise");
  t.opt_num_or_null("level_dbfs");
  each(t.arr("harmonics"), [](const Node& h) {
    h.num("order");
    h.num("freq_hz");
    h.opt_num_or_null("level_dbc");
    h.opt_bool("in_band");
    h.opt_bool("below_noise");
  });
}

// A channel number: an integer from 0 to n - 1 (n: the channels of the load's channels[]).
void check_channel_index(const Node& c, std::size_t n, const std::string& of) {
  const json& v = c.json_value();
  if (!v.is_number_integer() || v.get<long long>() < 0 || (n > 0 && v.get<long long>() >= static_cast<long long>(n)))
    c.fail(n > 0 ? "a channel number from 0 to " + std::to_string(n - 1) + " (the channels of " + of + ")"
                 : std::string("a channel number (an integer >= 0)"));
}

// THD+N at nominal line level / 1 mW (the working-levels table and the summary): each entry's figures, the
// worse channel's number, and per channel at most one entry for each of the load's channels[].
void check_at_levels(const Node& l) {
  const std::size_t n = l.has("channels") ? l.json_value().at("channels").size() : 0;
  const std::string of = l.path() + ".channels";
  each(l.arr("at_levels"), [&](const Node& a) {
    a.str("what");
    a.num_or_null("drive_dbfs");
    a.num_or_null("out_vrms");
    check_thdn(a.obj("thdn"));
    if (a.has("channel")) check_channel_index(a.member("channel", "a channel number"), n, of);
    const auto ch = a.opt_arr("channels");
    if (!ch) return;
    if (n > 0 && ch->size() > n)
      ch->fail("at most " + std::to_string(n) + " entries, one per channel of " + of + " (got " +
               std::to_string(ch->size()) + ")");
    each(*ch, [&](const Node& c) {
      check_channel_index(c.member("channel", "a channel number"), n, of);
      c.num_or_null("drive_dbfs");
      c.num_or_null("out_vrms");
      check_thdn(c.obj("thdn"));
    });
  });
}

// A valid load: everything the per-load table, the plots and compare read.
// The figures a load and each of its channels[] carry (the load's are the worse channel's): THD+N at the
// reference level, THD+N versus level, maximum level, noise, SNR, dynamic range, spectra.
void check_figures(const Node& l) {
  check_thdn(l.obj("thdn_reference"));
  each(l.arr("thdn_vs_level"), [](const Node& s) {
    s.boolean("valid");
    s.opt_num_or_null("drive_dbfs");
    if (s.flag("valid")) {  // plotted: x (dBFS, or dBV from out_vrms) and y must be numbers
      if (s.has("out_vrms")) s.member("out_vrms", "a number > 0").positive();
      s.num("out_dbfs");
      s.num("thdn_db");
      s.opt_num_or_null("thd_db");
    } else {
      s.opt_num_or_null("out_vrms");
      s.opt_num_or_null("out_dbfs");
      s.opt_num_or_null("thdn_db");
    }
  });
  const Node ml = l.obj("max_level");
  ml.str("explanation");
  ml.opt_str("stop_reason");
  check_level_point(ml.obj("at_1pct"));
  check_level_point(ml.obj("at_0p1pct"));
  const Node noise = l.obj("noise");
  for (const char* k : {"unweighted_dbfs", "a_weighted_dbfs", "unweighted_dbv", "a_weighted_dbv", "out_of_band_dbfs",
                        "out_of_band_dbv"})
    noise.opt_num_or_null(k);
  if (auto u = l.opt_obj("noise_under_tone"))
    for (const char* k : {"unweighted_dbfs", "a_weighted_dbfs", "unweighted_dbv", "a_weighted_dbv"})
      u->opt_num_or_null(k);
  if (auto d = l.opt_obj("dynamic_range_residual"))
    for (const char* k : {"unweighted_dbfs", "a_weighted_dbfs"}) d->opt_num_or_null(k);
  for (const char* k : {"dynamic_range_db", "dynamic_range_a_db", "snr_db", "snr_a_db"}) l.opt_num_or_null(k);
  if (auto s = l.opt_obj("spectrum")) check_spectrum(*s);
  if (auto s = l.opt_obj("noise_spectrum")) check_spectrum(*s);
  if (auto f = l.opt_obj("floor"))
    for (const auto& [key, value] : f->json_value().items()) {
      const Node m = f->obj(key.c_str());
      m.num("margin_db");
      m.boolean("analyser_limited");
      m.opt_num("floor_corrected_db");
      m.opt_num("floor_corrected_dbfs");
    }
}

void check_load(const Node& l, std::size_t* response_points, const std::string& first_path) {
  const Node resp = l.obj("response");
  resp.num("latency_samples");
  const Node pts = resp.arr("points");
  each(pts, [](const Node& p) {
    p.num("freq_hz");
    p.num_or_null("relative_db");
    p.opt_num_or_null("magnitude_db");
  });
  check_rising(pts);
  // The report plots every load of a port against the first load's frequencies.
  if (*response_points == SIZE_MAX) {
    *response_points = pts.size();
  } else if (pts.size() != *response_points) {
    pts.fail(std::to_string(*response_points) + " points like " + first_path + ".response.points (got " +
             std::to_string(pts.size()) + ")");
  }
  l.opt_num_or_null("response_deviation_20_20k_db");
  l.opt_num_or_null("response_deviation_wide_db");
  if (auto chans = l.opt_arr("channels"))  // every channel's response (plotted: L solid, R dashed)
    each(*chans, [&pts](const Node& c) {
      c.num("channel");
      c.boolean("valid");
      if (!c.flag("valid")) return;
      c.opt_num_or_null("gain_1k_db");
      c.opt_num_or_null("response_deviation_20_20k_db");
      c.opt_num_or_null("response_deviation_wide_db");
      const Node rel = c.arr("relative_db");
      if (rel.size() != pts.size())
        rel.fail(std::to_string(pts.size()) + " values, one per response point (got " + std::to_string(rel.size()) +
                 ")");
      for (std::size_t i = 0; i < rel.size(); ++i) rel.item(i).number_or_null();
      if (c.has("thdn_reference")) check_figures(c);  // that channel's figures (absent in older files)
    });
  check_figures(l);
  if (l.has("at_levels")) check_at_levels(l);
  l.opt_bool("mutes_on_silence");
  l.opt_num_or_null("balance_db");
  l.opt_bool("mute_undecided");
  l.opt_num("reference_below_input_fs_db");
  each(l.arr("crosstalk"), [](const Node& x) {
    x.num("freq_hz");
    x.num_or_null("l_to_r_db");
    x.opt_num_or_null("r_to_l_db");
    x.opt_bool("l_to_r_bound");  // absent in files before the narrow-band reading: not bounds
    x.opt_bool("r_to_l_bound");
  });
}

void check_port(const Node& p, bool complete) {
  p.str("name");
  p.boolean("present");
  p.opt_num("vrms_at_0dbfs");
  if (auto f = p.opt_obj("analyser_floor")) {
    f->boolean("measured");
    f->str("source");
    for (const char* k : {"noise_dbfs", "noise_a_dbfs", "input_full_scale_vrms"}) f->opt_num(k);
    f->opt_str("note");
  }
  if (auto recs = p.opt_arr("recommendations")) each(*recs, [](const Node& r) { r.str("sentence"); });
  const bool present = p.flag("present");
  std::optional<Node> loads = present ? std::optional<Node>(p.arr("loads")) : p.opt_arr("loads");
  std::vector<std::string> load_names;
  if (loads) {
    std::size_t response_points = SIZE_MAX;
    std::string first_path;
    for (std::size_t i = 0; i < loads->size(); ++i) {
      const Node l = loads->item(i);
      l.object();
      l.str("load");
      const std::string name = l.json_value().at("load").get<std::string>();
      for (std::size_t k = 0; k < load_names.size(); ++k)
        if (load_names[k] == name)
          l.member("load", "")
              .fail("a load name not already used in this port (" + loads->path() + "[" + std::to_string(k) +
                    "] is \"" + name + "\" too)");
      load_names.push_back(name);
      l.boolean("valid");
      if (!l.flag("valid")) {
        l.str("problem");
        continue;
      }
      if (present) {
        if (first_path.empty()) first_path = l.path();
        check_load(l, &response_points, first_path);
      }
    }
  }
  if (!present) return;
  p.str("nominal_load");
  // A load the port's figures name (nominal, IMD, multitone, ground return) is one of its loads[]; a run that
  // stopped early (complete: false) may name its nominal load before measuring it.
  auto names_a_load = [&](const Node& owner, const char* key) {
    if (!complete || !owner.has(key)) return;
    const Node n = owner.member(key, "a string");
    n.string();
    const std::string name = n.json_value().get<std::string>();
    if (name.empty() && std::string(key) == "nominal_load") return;  // no loaded load in the run
    for (const auto& l : load_names)
      if (l == name) return;
    std::string list;
    for (const auto& l : load_names) list += (list.empty() ? "\"" : ", \"") + l + "\"";
    n.fail("the name of one of " + p.path() + ".loads[] (" + (list.empty() ? "none" : list) + ")");
  };
  names_a_load(p, "nominal_load");
  names_a_load(p, "ground_return_load");
  if (auto imd = p.opt_obj("imd")) names_a_load(*imd, "load");
  if (auto mt = p.opt_obj("multitone")) names_a_load(*mt, "load");
  const Node imp = p.obj("output_impedance");
  check_z_points(imp.arr("points"));
  for (const char* k :
       {"z_1k_ohms", "z_20hz_ohms", "max_z_20_20k_ohms", "z_1k_u95_ohms", "z_20hz_u95_ohms", "max_z_20_20k_u95_ohms"}) {
    imp.opt_num_or_null(k);
    nonneg(imp, k, true);
  }
  imp.boolean("loads_agree");
  imp.str("agreement_note");
  each(imp.arr("per_load"), [](const Node& z) {
    z.boolean("valid");
    if (!z.flag("valid")) return;
    z.num_or_null("load_ohms");
    check_z_points(z.arr("points"));
    for (const char* k : {"at_1k", "at_20hz"})
      if (z.has(k) && !z.json_value().at(k).is_null()) {
        const Node a = z.obj(k);
        a.num("z_ohms");
        nonneg(a, "z_ohms");
        a.opt_num("u95_ohms");
        nonneg(a, "u95_ohms");
      }
  });
  if (auto chans = p.opt_arr("channels"))  // every channel's |Zout| (plotted) and ground-return figures
    each(*chans, [](const Node& c) {
      c.num("channel");
      check_z_points(c.arr("impedance"));
      for (const char* k : {"z_1k_ohms", "z_20hz_ohms", "max_z_20_20k_ohms", "z_1k_u95_ohms", "z_20hz_u95_ohms",
                            "max_z_20_20k_u95_ohms", "z_1k_alone_ohms", "ground_return_ohms"}) {
        c.opt_num_or_null(k);
        if (std::string(k) != "ground_return_ohms") nonneg(c, k, true);  // a return estimate may read below 0
      }
    });
  p.opt_num_or_null("ground_return_ohms");
  p.opt_str("ground_return_load");
  p.opt_str("ground_return_note");
  auto thdn_freq = [](const Node& t) {
    t.boolean("valid");
    if (!t.flag("valid")) return;
    t.num("freq_hz");
    t.num_or_null("thdn_db");
    t.opt_num_or_null("level_dbfs");
    t.opt_num_or_null("thd_db");
    t.opt_bool("thd_below_noise");
    t.opt_num("first_harmonic_out_of_band");
  };
  if (auto tf = p.opt_arr("thdn_vs_freq")) each(*tf, thdn_freq);
  if (auto nm = p.opt_obj("thdn_vs_freq_near_max")) {
    nm->num("drive_dbfs");
    each(nm->arr("points"), thdn_freq);
    if (auto ch = nm->opt_arr("channels")) each(*ch, [&](const Node& c) { each(c.arr("points"), thdn_freq); });
  }
  if (auto tc = p.opt_arr("thdn_vs_freq_channels"))  // each channel's (plotted: L solid, R dashed)
    each(*tc, [&](const Node& c) {
      c.num("channel");
      each(c.arr("points"), thdn_freq);
    });
  if (auto v = p.opt_obj("volume")) {  // the volume steps (plotted: balance and gain error per setting)
    for (const char* k : {"top_db", "balance_limit_db"}) v->num(k);
    v->opt_num_or_null("balanced_down_to_db");
    each(v->arr("steps"), [](const Node& st) {
      st.num("setting_db");
      st.opt_num_or_null("balance_db");
      each(st.arr("channels"), [](const Node& c) {
        c.num("channel");
        for (const char* k : {"level_dbfs", "gain_error_db", "thdn_db", "noise_dbfs", "noise_dbv"})
          c.opt_num_or_null(k);
      });
    });
  }
  if (auto d = p.opt_obj("dc_offset"))  // the DC offset per channel (tabled)
    each(d->arr("channels"), [](const Node& c) {
      c.num("channel");
      c.str("method");
      c.opt_num_or_null("value_mv");
    });
  if (auto t = p.opt_obj("transients"))  // the switching transients (tabled, the waveform plotted)
    each(t->arr("events"), [](const Node& e) {
      e.str("event");
      e.num("channel");
      e.str("seen");
      for (const char* k : {"peak_mv", "peak_dbfs", "duration_ms", "to_rate_hz"}) e.opt_num_or_null(k);
      if (auto w = e.opt_obj("wave")) {
        w->num("start_ms");
        w->num("step_ms");
        w->arr("values");
      }
    });
  if (auto hs = p.opt_arr("headphones"))  // the responses predicted with real headphones (plotted, tabled)
    each(*hs, [](const Node& h) {
      h.str("id");
      h.str("name");
      for (const char* k : {"level_1k_db", "max_deviation_20_20k_db", "max_deviation_u95_db", "min_damping_factor"})
        h.opt_num_or_null(k);
      each(h.arr("points"), [](const Node& q) {
        q.num("freq_hz");
        for (const char* k : {"z_ohms", "phase_deg", "level_db", "relative_db", "damping_factor"}) q.num_or_null(k);
      });
      if (auto ch = h.opt_arr("channels")) each(*ch, [](const Node& c) { c.num("channel"); });
    });
  if (auto xf = p.opt_arr("crosstalk_vs_freq"))
    each(*xf, [](const Node& x) {
      x.num("freq_hz");
      x.num_or_null("l_to_r_db");
      x.num_or_null("r_to_l_db");
      x.opt_bool("l_to_r_bound");
      x.opt_bool("r_to_l_bound");
    });
  if (auto mt = p.opt_obj("multitone")) {  // the multitone: the report's TD+N and response plots
    mt->str("load");
    for (const char* k : {"drive_dbfs", "tone_level_dbfs", "crest_factor_db", "period_s", "duration_s"}) mt->num(k);
    each(mt->arr("channels"), [](const Node& c) {
      c.num("channel");
      c.boolean("valid");
      c.opt_str("problem");
      if (!c.flag("valid")) return;
      c.num_or_null("tdn_db");
      c.num_or_null("floor_db");
      each(c.arr("tones"), [](const Node& t) {
        t.num("freq_hz");
        for (const char* k : {"level_dbfs", "response_db", "tdn_db", "tdn_re_tone_db", "floor_db"}) t.num_or_null(k);
      });
    });
  }
  if (auto imd = p.opt_obj("imd")) {  // IMD (SMPTE, CCIF) per channel: the report's table and plot
    imd->str("load");
    imd->opt_str("note");
    auto step = [](const Node& st) {
      st.num("drive_dbfs");
      st.boolean("valid");
      st.opt_str("problem");
      if (!st.flag("valid")) return;
      st.num_or_null("level_dbfs");
      st.opt_bool("bound");
      for (const char* k : {"out_vrms", "imd_db", "imd_pct", "d2_db", "d2_pct", "d3_db", "d3_pct"})
        st.opt_num_or_null(k);
    };
    for (const char* name : {"smpte", "ccif"})
      if (auto s = imd->opt_obj(name)) {
        each(s->arr("reference"), [&](const Node& r) {
          r.num("channel");
          step(r);
        });
        each(s->arr("vs_level"), [&](const Node& c) {
          c.num("channel");
          each(c.arr("steps"), step);
        });
      }
  }
}

void check_verdict(const Node& v) {
  for (const char* k : {"id", "question", "summary", "port"}) v.opt_str(k);
  v.opt_bool("applicable");
  v.opt_bool("pass");
  v.opt_one_of("grade", {"yes", "yes_with_conditions", "no", "cannot_decide", "not_applicable"});
  each(v.arr("rules"), [](const Node& r) {
    for (const char* k : {"id", "description", "unit", "comparison", "sentence", "condition", "lower_bound_reason"})
      r.opt_str(k);
    r.opt_num("uncertainty");
    r.opt_one_of("grade", {"pass", "conditional", "marginal", "fail", "skipped"});
    r.num_or_null("measured");
    r.num_or_null("limit");
    r.opt_bool("evaluated");
    r.opt_bool("pass");
    r.opt_bool("informational");
  });
  if (auto ll = v.opt_obj("line_level")) {
    ll->opt_str("name");
    ll->num("dbv");
  }
}

}  // namespace

void check_results_schema(const json& j, const std::string& src) {
  if (!j.is_object() || !j.contains("schema"))
    throw InputError("'" + src + "' is not an outbench results file (no \"schema\" field)");
  const std::string s = j.at("schema").is_string() ? j.at("schema").get<std::string>() : "?";
  if (s != "outbench/1" && s != "outbench/2")
    throw InputError("'" + src + "' has schema \"" + s +
                     "\"; this outbench reads \"outbench/1\" and \"outbench/2\": measure again, or use "
                     "the outbench version that wrote it");
  for (const char* k : {"conditions", "ports", "verdicts", "device", "bench", "warnings"})
    if (!j.contains(k))
      throw InputError("'" + src + "' is incomplete: the \"" + std::string(k) + "\" field is missing");

  const Node r(j, src, "");
  r.opt_bool("complete");
  r.opt_str("run_id");
  const Node dev = r.obj("device");
  dev.opt_str("name");
  dev.opt_str("description");
  const Node bench = r.obj("bench");
  bench.opt_str("name");
  bench.opt_str("source");
  const Node c = r.obj("conditions");
  for (const char* k : {"date_utc", "outbench_version", "audio", "window"}) c.opt_str(k);
  for (const char* k : {"rate_hz", "reference_level_dbfs", "tone_hz", "input_impedance_ohms", "input_vrms_at_0dbfs",
                        "stimulus_s", "elapsed_s"})
    c.num(k);
  c.opt_num("input_impedance_tolerance_pct");
  c.opt_str("input_impedance_calibrated_on");
  const Node band = c.arr("band_hz");
  if (band.size() != 2) band.fail("[low, high] (two numbers)");
  band.item(0).number();
  band.item(1).number();
  const Node sweep = c.obj("sweep");
  for (const char* k : {"start_hz", "stop_hz", "duration_s", "level_dbfs"}) sweep.num(k);
  c.opt_bool("calibrated");
  c.opt_bool("quick");
  if (c.has("seed") && !j.at("conditions").at("seed").is_number_unsigned())
    c.member("seed", "").fail("an integer >= 0");
  if (c.has("clock")) {  // two clocks (SCHEMA.md conditions.clock): the report reads these
    const Node k = c.obj("clock");
    for (const char* f : {"mean_ppm", "min_ppm", "max_ppm", "spread_ppm", "wander_ppm_per_min"}) k.num(f);
    // A capture whose clock is more than 1000 ppm off is refused by the run (docs/MEASUREMENTS.md "Two clocks"):
    // no figure of a run lies beyond that, and min <= max, spread >= 0 by their definitions.
    const std::string ppm_range = "a number from -1000 to 1000 ppm (a run refuses a clock further off)";
    for (const char* f : {"mean_ppm", "min_ppm", "max_ppm"})
      k.member(f, "").number_within(-1000, 1000, false, ppm_range);
    const json& kj = j.at("conditions").at("clock");
    if (kj.at("min_ppm").get<double>() > kj.at("max_ppm").get<double>())
      k.member("min_ppm", "").fail("at most max_ppm (" + kj.at("max_ppm").dump() + ")");
    k.member("spread_ppm", "").number_within(0, 2000, false, "a number from 0 to 2000 ppm (max_ppm - min_ppm)");
    for (const char* a : {"captures", "unresolved"}) {  // unresolved: since the per-capture uncertainty
      if (!k.has(a) && a[0] == 'u') continue;
      const Node list = k.arr(a);
      for (std::size_t i = 0; i < list.size(); ++i) {
        list.item(i).num("ppm");
        list.item(i).member("ppm", "").number_within(-1000, 1000, false, ppm_range);
      }
    }
  }
  // Every run writes the device's ports (a port the run left out is there with present: false), each once.
  const Node ports = r.arr("ports");
  if (ports.size() == 0) ports.fail("at least one port (every run writes the device's ports)");
  const bool complete = !j.contains("complete") || !j.at("complete").is_boolean() || j.at("complete").get<bool>();
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const Node p = ports.item(i);
    p.object();
    check_port(p, complete);
    const std::string name = p.json_value().at("name").get<std::string>();
    for (std::size_t k = 0; k < i; ++k)
      if (ports.json_value().at(k).at("name") == name)
        p.member("name", "")
            .fail("a port name not already used (ports[" + std::to_string(k) + "] is \"" + name + "\" too)");
  }
  each(r.arr("verdicts"), check_verdict);
  const Node w = r.arr("warnings");
  for (std::size_t i = 0; i < w.size(); ++i) w.item(i).string();
}

}  // namespace outbench
