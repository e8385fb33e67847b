#include "measure/engine/channel_figures.hpp"

#include <functional>

namespace outbench::engine {

namespace {

using Get = std::function<std::optional<double>(const ChannelFigures&)>;

// The index of the worse channel for one figure (higher is worse when `higher_worse`).
std::size_t worse_of(const std::vector<ChannelFigures>& cf, const Get& get, bool higher_worse) {
  std::size_t best = 0;
  std::optional<double> bv = get(cf[0]);
  for (std::size_t i = 1; i < cf.size(); ++i) {
    const auto v = get(cf[i]);
    if (!v) continue;
    if (!bv || (higher_worse ? *v > *bv + kChannelResolutionDb : *v < *bv - kChannelResolutionDb)) {
      best = i;
      bv = v;
    }
  }
  return best;
}

std::optional<double> noise_of(const NoiseResult& n) {
  return n.valid ? std::optional<double>(n.noise_dbfs) : std::nullopt;
}

}  // namespace

void headline_from_channels(LoadResult& lr) {
  const auto& cf = lr.channel_figures;
  if (cf.empty()) return;
  auto pick = [&](const char* figure, const Get& get, bool higher_worse) -> const ChannelFigures& {
    const ChannelFigures& c = cf[worse_of(cf, get, higher_worse)];
    lr.worse_channel[figure] = c.channel;
    return c;
  };
  const auto& t = pick(
      "thdn_reference",
      [](const ChannelFigures& c) {
        return c.thdn_ref.valid ? std::optional<double>(c.thdn_ref.thdn_db) : std::nullopt;
      },
      true);
  lr.thdn_ref = t.thdn_ref;
  const auto& n = pick(
      "noise", [](const ChannelFigures& c) { return noise_of(c.noise); }, true);
  lr.noise = n.noise;
  lr.noise_dbv = n.noise_dbv;
  const auto& na = pick(
      "noise_a", [](const ChannelFigures& c) { return noise_of(c.noise_a); }, true);
  lr.noise_a = na.noise_a;
  lr.noise_a_dbv = na.noise_a_dbv;
  if (cf[0].noise_oob_dbfs) {
    const auto& no = pick(
        "noise_out_of_band", [](const ChannelFigures& c) { return c.noise_oob_dbfs; }, true);
    lr.noise_oob_dbfs = no.noise_oob_dbfs;
    lr.noise_oob_dbv = no.noise_oob_dbv;
  }
  const auto& nt = pick(
      "noise_under_tone", [](const ChannelFigures& c) { return c.noise_tone_dbfs; }, true);
  lr.noise_tone_dbfs = nt.noise_tone_dbfs;
  lr.noise_tone_dbv = nt.noise_tone_dbv;
  const auto& nta = pick(
      "noise_under_tone_a", [](const ChannelFigures& c) { return c.noise_tone_a_dbfs; }, true);
  lr.noise_tone_a_dbfs = nta.noise_tone_a_dbfs;
  lr.noise_tone_a_dbv = nta.noise_tone_a_dbv;
  lr.dr_residual_dbfs = pick(
                            "dynamic_range_residual", [](const ChannelFigures& c) { return c.dr_residual_dbfs; }, true)
                            .dr_residual_dbfs;
  lr.dr_residual_a_dbfs =
      pick(
          "dynamic_range_residual_a", [](const ChannelFigures& c) { return c.dr_residual_a_dbfs; }, true)
          .dr_residual_a_dbfs;
  const auto& ml = pick(
      "max_level",
      [](const ChannelFigures& c) {
        return c.max_level.at_1pct.found ? std::optional<double>(c.max_level.at_1pct.out_dbfs) : std::nullopt;
      },
      false);
  lr.max_level = ml.max_level;
  lr.thdn_vs_level = ml.thdn_vs_level;
  lr.snr_db = pick(
                  "snr", [](const ChannelFigures& c) { return c.snr_db; }, false)
                  .snr_db;
  lr.snr_a_db = pick(
                    "snr_a", [](const ChannelFigures& c) { return c.snr_a_db; }, false)
                    .snr_a_db;
  lr.dynamic_range_db = pick(
                            "dynamic_range", [](const ChannelFigures& c) { return c.dynamic_range_db; }, false)
                            .dynamic_range_db;
  lr.dynamic_range_a_db = pick(
                              "dynamic_range_a", [](const ChannelFigures& c) { return c.dynamic_range_a_db; }, false)
                              .dynamic_range_a_db;
}

}  // namespace outbench::engine
