// Analysis speed. Each case reports "x_realtime" (seconds of audio per second of CPU) and, where the work is
// FFT-bound, a matching BM_Fft case times the transforms of the same sizes so the ratio can be formed.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <random>

#include "analysis/distortion.hpp"
#include "analysis/fft.hpp"
#include "analysis/impedance.hpp"
#include "analysis/response.hpp"
#include "analysis/signals.hpp"

namespace {

using namespace outbench;

// Seconds for one forward real FFT of n frames (measured plan from the cache), timed in this run: the
// yardstick for "the work the method cannot avoid".
double fft_seconds(std::size_t n) {
  RealFft f(n);
  std::vector<double> x(n, 0.5);
  f.forward(x);
  int reps = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double el = 0;
  do {
    f.forward(x);
    benchmark::DoNotOptimize(f.spectrum().data());
    ++reps;
    el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (el < 0.2 || reps < 3);
  return el / reps;
}

// Wall seconds per iteration of the benchmark loop body.
template <class F>
double per_iteration_s(benchmark::State& st, F&& body) {
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : st) body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
         static_cast<double>(std::max<benchmark::IterationCount>(st.iterations(), 1));
}

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
  const auto r = analyze_thdn(x, rate, {});  // plans made once, as in a long run
  const double t = per_iteration_s(st, [&] { benchmark::DoNotOptimize(analyze_thdn(x, rate, {})); });
  st.counters["x_realtime"] = seconds / t;
  // Its FFT work: one forward transform per averaged segment.
  st.counters["x_fft_work"] = t / (static_cast<double>(r.n_segments) * fft_seconds(r.segment_frames));
  st.counters["fft_frames"] = static_cast<double>(r.segment_frames);
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
  const auto r = analyze_response(c.sweep, c.open, rate, o);
  const double t = per_iteration_s(st, [&] { benchmark::DoNotOptimize(analyze_response(c.sweep, c.open, rate, o)); });
  st.counters["x_realtime"] = seconds / t;
  // Its FFT work: the reference forward, then every transform the analysis lists (capture forward, impulse
  // response back, the gated linear and harmonic responses).
  double work = fft_seconds(r.fft_frames);
  for (std::size_t n : r.transform_sizes) work += fft_seconds(n);
  st.counters["x_fft_work"] = t / work;
  st.counters["fft_frames"] = static_cast<double>(r.fft_frames);
}
BENCHMARK(BM_Response)->Unit(benchmark::kMillisecond);

void BM_Impedance(benchmark::State& st) {
  const double rate = 96000, seconds = 10;
  SweepCase c(rate, seconds);
  ResponseOptions o;
  o.sweep_l_s = sweep_info(c.spec).l_s;
  std::size_t n_fft = 0;
  std::vector<std::size_t> sizes;
  const double t = per_iteration_s(st, [&] {
    Deconvolver d(c.sweep, rate, c.open.size());
    const auto ro = d.analyze(c.open, o);
    auto ol = o;
    ol.forced_latency_frames = ro.latency_frames;
    const auto rl = d.analyze(c.loaded, ol);
    n_fft = d.fft_frames();
    sizes = ro.transform_sizes;
    sizes.insert(sizes.end(), rl.transform_sizes.begin(), rl.transform_sizes.end());
    benchmark::DoNotOptimize(output_impedance(ro, rl, 32, 1e6));
  });
  st.counters["x_realtime"] = 2 * seconds / t;
  // Its FFT work: the reference once, then every transform of the two analyses.
  double work = fft_seconds(n_fft);
  for (std::size_t n : sizes) work += fft_seconds(n);
  st.counters["x_fft_work"] = t / work;
  st.counters["fft_frames"] = static_cast<double>(n_fft);
}
BENCHMARK(BM_Impedance)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
