#include <fftw3.h>
#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <complex>
#include <memory>
#include <thread>
#include <vector>

#include "analysis/fft.hpp"
#include "test_support.hpp"

namespace outbench {
namespace {

class FftSizes : public ::testing::TestWithParam<std::size_t> {};

TEST_P(FftSizes, MatchesNaiveDft) {
  const std::size_t n = GetParam();
  const auto x = test::gaussian(n, 1.0, 7);
  RealFft fft(n);
  auto X = fft.forward(x);
  ASSERT_EQ(X.size(), n / 2 + 1);
  double max_err = 0, scale = 0;
  for (std::size_t k = 0; k < X.size(); k += std::max<std::size_t>(1, n / 97)) {
    const auto ref = test::naive_dft(x, static_cast<double>(k));
    max_err = std::max(max_err, std::abs(X[k] - ref));
    scale = std::max(scale, std::abs(ref));
  }
  EXPECT_LT(max_err / scale, 1e-12);
}

TEST_P(FftSizes, InverseIsUnscaled) {
  const std::size_t n = GetParam();
  const auto x = test::gaussian(n, 1.0, 9);
  RealFft fft(n);
  fft.forward(x);
  fft.inverse();
  auto t = fft.time();
  for (std::size_t i = 0; i < n; ++i) ASSERT_NEAR(t[i], static_cast<double>(n) * x[i], 1e-9 * static_cast<double>(n));
}

// 583,200 = 2 * 540^2 and 1,280,000 = 2 * 800^2: made as complex transforms of half the size.
INSTANTIATE_TEST_SUITE_P(Sizes, FftSizes,
                         ::testing::Values(2, 15, 64, 1000, 1024, 4096, 48000, 44100, 583200, 1280000));

TEST(Fft, GoodSizes) {
  EXPECT_EQ(fft_good_size(1000), 1000u);
  EXPECT_EQ(fft_good_size(1021), 1024u);
  EXPECT_EQ(fft_good_size_below(1021), 1008u);  // 2^4 * 3^2 * 7
  EXPECT_EQ(fft_good_size_below(48000), 48000u);
}

TEST(Fft, LongSizesAreTwiceAnEvenSmoothSquare) {
  EXPECT_EQ(fft_long_size(1000), 1000u);
  EXPECT_EQ(fft_long_size(499999), 500000u);                    // below 583,200: fft_good_size
  EXPECT_EQ(fft_long_size(583200), 583200u);                    // 2 * 540^2
  EXPECT_EQ(fft_long_size(583201), 627200u);                    // 2 * 560^2
  EXPECT_EQ(fft_long_size(1250205), 1280000u);                  // 2 * 800^2 (2 * 784^2 = 1,229,312 is too small)
  EXPECT_EQ(fft_long_size(2 * 900 * 900 + 1), 2u * 960 * 960);  // no even 7-smooth m between 900 and 960
  for (const std::size_t n : {583200u, 627200u, 1280000u, 1843200u}) EXPECT_TRUE(fft_is_half_size(n)) << n;
  // Not twice a square, an odd root, a root with a factor 11, below the threshold.
  for (const std::size_t n : {1270080u, 2u * 729 * 729, 2u * 792 * 792, 2u * 512 * 512})
    EXPECT_FALSE(fft_is_half_size(n)) << n;
}

// The half-size transform against FFTW's own real-input one, every bin and every sample.
TEST(Fft, HalfSizeTransformMatchesFftwsRealTransform) {
  const std::size_t n = 2 * 600 * 600;
  ASSERT_TRUE(fft_is_half_size(n));
  const auto x = test::gaussian(n, 1.0, 11);
  RealFft fft(n);
  const auto X = fft.forward(x);
  std::vector<double> ref(2 * (n / 2 + 1));
  std::copy(x.begin(), x.end(), ref.begin());
  auto* R = reinterpret_cast<fftw_complex*>(ref.data());
  fftw_plan pf = fftw_plan_dft_r2c_1d(static_cast<int>(n), ref.data(), R, FFTW_ESTIMATE);
  fftw_execute(pf);
  fftw_destroy_plan(pf);
  double max_err = 0, scale = 0;
  for (std::size_t k = 0; k <= n / 2; ++k) {
    const std::complex<double> r{R[k][0], R[k][1]};
    max_err = std::max(max_err, std::abs(X[k] - r));
    scale = std::max(scale, std::abs(r));
  }
  EXPECT_LT(max_err / scale, 1e-14);
  // Backward from FFTW's spectrum (with something in the imaginary parts of DC and Nyquist, which a real
  // transform does not read).
  R[0][1] = 5.0;
  R[n / 2][1] = -3.0;
  std::copy(ref.begin(), ref.end(), fft.time().begin());
  fftw_plan pb = fftw_plan_dft_c2r_1d(static_cast<int>(n), R, ref.data(), FFTW_ESTIMATE);
  fftw_execute(pb);
  fftw_destroy_plan(pb);
  fft.inverse();
  const auto t = fft.time();
  double max_diff = 0, t_scale = 0;
  for (std::size_t i = 0; i < n; ++i) {
    max_diff = std::max(max_diff, std::abs(t[i] - ref[i]));
    t_scale = std::max(t_scale, std::abs(ref[i]));
  }
  EXPECT_LT(max_diff / t_scale, 1e-14);
}

// The point of the half-size transforms: their plans hold no full-size twiddle tables.
TEST(Fft, HalfSizePlansAreSmall) {
  const std::size_t n = 2 * 640 * 640;  // a size no other test transforms
  ASSERT_TRUE(fft_is_half_size(n));
  RealFft fft(n);
  const std::size_t before = mallinfo2().uordblks + mallinfo2().hblkhd;
  fft.prepare_forward();
  const std::size_t after = mallinfo2().uordblks + mallinfo2().hblkhd;
  EXPECT_LT(after - before, std::size_t{1} << 20);  // FFTW's real-input plan of this size: ~7 MB
}

TEST(Fft, PlanCacheIsThreadSafe) {
  std::vector<std::thread> threads;
  std::vector<double> errs(4, 1.0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &errs] {
      const std::size_t n = 3000 + 7 * static_cast<std::size_t>(t % 2);
      const auto x = test::gaussian(n, 1.0, static_cast<unsigned>(t));
      double e = 0;
      for (int rep = 0; rep < 20; ++rep) {
        RealFft fft(n);
        auto X = fft.forward(x);
        e = std::max(e, std::abs(X[5] - test::naive_dft(x, 5)));
      }
      errs[static_cast<std::size_t>(t)] = e;
    });
  for (auto& th : threads) th.join();
  for (double e : errs) EXPECT_LT(e, 1e-9);
}

// With fft_free_large_plans_when_unused(true), large plans (twiddle tables ~10 bytes per point) leave the
// cache when no transform holds them; small ones stay for the process.
TEST(Fft, LargePlansAreFreedWhenUnusedSmallOnesKept) {
  fft_free_large_plans_when_unused(true);
  const std::size_t before = fft_plans_cached();
  {
    RealFft big(std::size_t{1} << 17);
    big.forward(test::gaussian(std::size_t{1} << 17, 1.0, 3));
    big.inverse();
    EXPECT_EQ(fft_plans_cached(), before + 2);  // made per direction, held while in use
    big.drop_plans();
    EXPECT_EQ(fft_plans_cached(), before);
  }
  {
    RealFft small(1234);
    small.forward(test::gaussian(1234, 1.0, 3));
  }
  EXPECT_EQ(fft_plans_cached(), before + 1);  // kept, and never an inverse plan for a forward-only size
  // By default (a long run) large plans stay cached too.
  fft_free_large_plans_when_unused(false);
  {
    RealFft big(std::size_t{3} << 16);
    big.forward(test::gaussian(std::size_t{3} << 16, 1.0, 3));
  }
  EXPECT_EQ(fft_plans_cached(), before + 2);
}

// drop_inverse_plan() frees the inverse plan (one-shot processes free large plans when unused) and keeps the
// forward one for the next forward transform, exact.
TEST(Fft, DropInversePlanKeepsTheForwardOne) {
  constexpr std::size_t n = std::size_t{5} << 15;
  fft_free_large_plans_when_unused(true);
  const std::size_t before = fft_plans_cached();
  const auto x = test::gaussian(n, 1.0, 5);
  {
    RealFft fft(n);
    fft.forward(x);
    fft.inverse();
    EXPECT_EQ(fft_plans_cached(), before + 2);
    fft.drop_inverse_plan();
    EXPECT_EQ(fft_plans_cached(), before + 1);  // the forward one, held
    const auto X = test::gaussian(n, 1.0, 6);
    fft.forward(X);
    fft.inverse();
    double err = 0;
    for (std::size_t i = 0; i < n; ++i) err = std::max(err, std::abs(fft.time()[i] / static_cast<double>(n) - X[i]));
    EXPECT_LT(err, 1e-12);
    fft.drop_plans();
    EXPECT_EQ(fft_plans_cached(), before);
  }
  fft_free_large_plans_when_unused(false);
}

// A one-shot process (fft_free_large_plans_when_unused(true)) keeps no large buffer beside the next ones;
// a long run keeps it for the next transform that fits.
TEST(Fft, LargeBuffersAreKeptOnlyInLongRuns) {
  constexpr std::size_t n = std::size_t{1} << 18;  // a 2 MiB buffer
  fft_free_large_plans_when_unused(true);
  const std::size_t before = fft_buffer_bytes_kept();
  { RealFft big(n); }
  EXPECT_EQ(fft_buffer_bytes_kept(), before);
  fft_free_large_plans_when_unused(false);
  { RealFft big(n); }
  EXPECT_GE(fft_buffer_bytes_kept(), before + 2 * (n / 2 + 1) * sizeof(double));
  { RealFft again(n); }  // takes the kept buffer and gives it back
  EXPECT_GE(fft_buffer_bytes_kept(), before + 2 * (n / 2 + 1) * sizeof(double));
}

// A large buffer made in one mode and released in the other goes back to its own allocator (a one-shot
// process takes large buffers from malloc, a long run maps them): kept, handed on and freed, its transforms
// stay exact, and a buffer mapped in a long run is unmapped, not freed, in a one-shot process.
TEST(Fft, LargeBuffersSurviveAModeSwitch) {
  constexpr std::size_t n = std::size_t{5} << 18;  // 10 MB: larger than any buffer the other tests leave kept
  const auto x = test::gaussian(n, 1.0, 13);
  auto round_trip_error = [&](RealFft& fft) {
    fft.forward(x);
    fft.inverse();
    double err = 0;
    for (std::size_t i = 0; i < n; i += 101)
      err = std::max(err, std::abs(fft.time()[i] / static_cast<double>(n) - x[i]));
    return err;
  };
  const std::size_t before = fft_buffer_bytes_kept();
  fft_free_large_plans_when_unused(true);
  auto heap = std::make_unique<RealFft>(n);  // from malloc
  EXPECT_LT(round_trip_error(*heap), 1e-12);
  fft_free_large_plans_when_unused(false);
  heap.reset();  // kept for the next transform
  EXPECT_GE(fft_buffer_bytes_kept(), before + 2 * (n / 2 + 1) * sizeof(double));
  {
    RealFft again(n);  // the malloc'ed buffer, handed on
    EXPECT_LT(round_trip_error(again), 1e-12);
    auto mapped = std::make_unique<RealFft>(n);  // mapped
    EXPECT_LT(round_trip_error(*mapped), 1e-12);
    fft_free_large_plans_when_unused(true);
    mapped.reset();  // unmapped
  }                  // `again`: freed
  EXPECT_EQ(fft_buffer_bytes_kept(), before);
  RealFft after(n);
  EXPECT_LT(round_trip_error(after), 1e-12);
  fft_free_large_plans_when_unused(false);
}

// Transforms stay exact across drop_plans() (plans made again) and when a buffer released by a larger
// transform is handed to a smaller one (it is not zeroed: forward(x) pads it).
TEST(Fft, ExactAfterDropPlansAndOnReusedBuffers) {
  const std::size_t n = 60000;
  const auto x = test::gaussian(n, 1.0, 11);
  {
    RealFft fft(n);
    fft.forward(x);
    fft.drop_plans();
    fft.inverse();
    auto t = fft.time();
    for (std::size_t i = 0; i < n; i += 97) ASSERT_NEAR(t[i], static_cast<double>(n) * x[i], 1e-9 * n);
  }
  const std::size_t m = 50000;  // fits the buffer just released
  RealFft fft(m);
  const auto X = fft.forward(std::span<const double>(x).first(m - 5000));
  std::vector<double> xm(m, 0.0);
  std::copy_n(x.begin(), m - 5000, xm.begin());
  for (double k : {0.0, 1.0, 777.0, static_cast<double>(m / 2)})
    EXPECT_LT(std::abs(X[static_cast<std::size_t>(k)] - test::naive_dft(xm, k)), 1e-7) << k;
}

TEST(Fft, RejectsBadSize) {
  EXPECT_THROW(RealFft(1), std::invalid_argument);
}

}  // namespace
}  // namespace outbench
