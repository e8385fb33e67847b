// Analysis speed. Each case reports "x_realtime" (seconds of audio per second of CPU) and, where the work is
// FFT-bound, a matching BM_Fft case times the transforms of the same sizes so the ratio can be formed.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "analysis/distortion.hpp"
#include "analysis/fft.hpp"
#include "analysis/impedance.hpp"
#include "analysis/response.hpp"
#include "analysis/signals.hpp"

namespace {

using namespace outbench;

std::vector<double> tone_with_noise(double rate_hz, double seconds) {
  ToneSpec t;
  t.rate_hz = rate_hz;
  t.duration_s = seconds;
  t.level_dbfs = -1;
  auto x = make_tone(t);
  std::mt19937_64 g(1);
  std::normal_distribution<double> d(0, 1e-6);
  for (auto& v : x) v += d(g);
  return x;
}

void BM_Thdn(benchmark::State& st) {
  const double rate = static_cast<double>(st.range(0)), seconds = static_cast<double>(st.range(1));
  const auto x = tone_with_noise(rate, seconds);
  analyze_thdn(x, rate, {});  // plans made once, as in a long run
  for (auto _ : st) benchmark::DoNotOptimize(analyze_thdn(x, rate, {}));
  st.counters["x_realtime"] =
      benchmark::Counter(seconds * static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Thdn)->Args({48000, 1})->Args({192000, 1})->Args({96000, 60})->Unit(benchmark::kMillisecond);

struct SweepCase {
  SweepSpec spec;
  std::vector<double> sweep, open, loaded;
  explicit SweepCase(double rate, double seconds) {
    spec.start_hz = 10;
    spec.stop_hz = rate / 2;
    spec.duration_s = seconds;
    spec.rate_hz = rate;
    sweep = make_sweep(spec);
    open = sweep;
    open.resize(sweep.size() + static_cast<std::size_t>(0.5 * rate), 0.0);
    loaded = open;
    for (auto& v : loaded) v *= 0.75;
  }
};

void BM_Response(benchmark::State& st) {
  const double rate = 96000, seconds = 10;
  SweepCase c(rate, seconds);
  ResponseOptions o;
  o.sweep_l_s = sweep_info(c.spec).l_s;
  analyze_response(c.sweep, c.open, rate, o);
  for (auto _ : st) benchmark::DoNotOptimize(analyze_response(c.sweep, c.open, rate, o));
  st.counters["x_realtime"] =
      benchmark::Counter(seconds * static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
  st.counters["fft_frames"] = static_cast<double>(fft_good_size(c.open.size() + c.sweep.size() / 4 + 1024));
}
BENCHMARK(BM_Response)->Unit(benchmark::kMillisecond);

void BM_Impedance(benchmark::State& st) {
  const double rate = 96000, seconds = 10;
  SweepCase c(rate, seconds);
  ResponseOptions o;
  o.sweep_l_s = sweep_info(c.spec).l_s;
  for (auto _ : st) {
    Deconvolver d(c.sweep, rate, c.open.size());
    const auto ro = d.analyze(c.open, o);
    auto ol = o;
    ol.forced_latency_frames = ro.latency_frames;
    const auto rl = d.analyze(c.loaded, ol);
    benchmark::DoNotOptimize(output_impedance(ro, rl, 32, 1e6));
  }
  st.counters["x_realtime"] =
      benchmark::Counter(2 * seconds * static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Impedance)->Unit(benchmark::kMillisecond);

// The unavoidable work: one forward real FFT of the given size (a deconvolution needs three of the
// capture-sized ones: reference, capture and inverse).
void BM_Fft(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  RealFft f(n);
  std::vector<double> x(n, 0.5);
  for (auto _ : st) {
    f.forward(x);
    benchmark::DoNotOptimize(f.spectrum().data());
  }
}
BENCHMARK(BM_Fft)
    ->Arg(48000)
    ->Arg(192000)
    ->Arg(262144)
    ->Arg(static_cast<long>(fft_good_size(960000 + 48000 + 240000 + 1024)))
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
