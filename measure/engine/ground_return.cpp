#include "measure/engine/ground_return.hpp"

#include <cmath>

#include "analysis/impedance.hpp"
#include "analysis/units.hpp"
#include "measure/engine/load_procedure.hpp"

namespace outbench::engine {

const Load* heaviest_load(const std::vector<const Load*>& loads) {
  const Load* best = nullptr;
  for (const Load* l : loads)
    if (!l->is_open() && (!best || l->actual_ohms < best->actual_ohms)) best = l;
  return best;
}

void alone_sweeps(StepContext& cx, const PortWiring& port, const SweepPlan& sweep, LoadResult& lr,
                  std::optional<long> open_latency) {
  if (port.output_channels.size() < 2 || port.input_channels.size() < 2 || !open_latency || !lr.valid) return;
  const double drive = sweep_drive_dbfs(cx, sweep);
  const double scale = ratio_from_db(drive - sweep.spec.level_dbfs);
  std::vector<double> sx = sweep.x;
  for (auto& v : sx) v *= scale;
  ResponseOptions ro;
  ro.sweep_l_s = sweep.info.l_s;
  ro.forced_latency_frames = *open_latency;
  for (int driven = 0; driven < 2; ++driven) {
    cx.session.progress("sweep, one channel alone (ground return)");
    const Capture c = cx.session.play(port, on_channels(port, sx, driven), sweep.capture_frames, "sweep-alone");
    AloneSweep a;
    a.channel = driven;
    const auto d = channel_response(sweep, c.channels[static_cast<std::size_t>(driven)], driven, ro, scale);
    if (d.response.valid)
      a.driven_1k = response_at(d.response.points, 1000.0);
    else
      a.problem = d.response.reason;
    // The undriven channel's leak; invalid (no response above its noise) counts as none.
    const auto o = channel_response(sweep, c.channels[static_cast<std::size_t>(1 - driven)], 1 - driven, ro, scale);
    if (o.response.valid) a.other_1k = response_at(o.response.points, 1000.0);
    lr.alone_sweeps.push_back(a);
  }
}

namespace {

std::optional<std::complex<double>> h_1k(const LoadResult& l, int channel) {
  for (const auto& cr : l.channel_responses)
    if (cr.channel == channel && cr.response.valid) return response_at(cr.response.points, 1000.0);
  return std::nullopt;
}

}  // namespace

void ground_return(PortResult& pr, double input_ohms) {
  const LoadResult* open = nullptr;
  const LoadResult* heavy = nullptr;
  for (const auto& l : pr.loads) {
    if (!l.valid) continue;
    if (!std::isfinite(l.load_ohms)) open = &l;
    if (!l.alone_sweeps.empty()) heavy = &l;
  }
  if (!heavy) return;  // one channel, or the heaviest load not measured: nothing to say
  if (!open) {
    pr.ground_return_note = "not measured: the open load is not in the run";
    return;
  }
  pr.ground_return_load = heavy->load_name;
  double sum = 0;
  int n = 0;
  for (const auto& a : heavy->alone_sweeps) {
    const int c = a.channel, o = 1 - c;
    const auto ho = h_1k(*open, c), hb = h_1k(*heavy, c), hbo = h_1k(*heavy, o);
    ChannelImpedance* ci = nullptr;
    for (auto& x : pr.channels)
      if (x.channel == c) ci = &x;
    if (!ho || !hb || !hbo || !a.driven_1k || !ci || std::abs(*hb) == 0.0 || std::abs(*a.driven_1k) == 0.0) continue;
    const auto z_both = output_impedance(*ho, *hb, heavy->load_ohms, input_ohms);
    const auto z_alone = output_impedance(*ho, *a.driven_1k, heavy->load_ohms, input_ohms);
    ci->z_1k_alone_ohms = std::abs(z_alone);
    const auto k_alone = a.other_1k ? *a.other_1k / *a.driven_1k : std::complex<double>(0.0);
    const auto g = ground_return_ohms(z_both, z_alone, *hbo / *hb, k_alone);
    if (!g) continue;
    ci->ground_return_ohms = g->real();
    sum += g->real();
    ++n;
  }
  if (n > 0)
    pr.ground_return_ohms = sum / n;
  else
    pr.ground_return_note = "not measured: the sweeps into '" + heavy->load_name + "' gave no response at 1 kHz";
}

}  // namespace outbench::engine
