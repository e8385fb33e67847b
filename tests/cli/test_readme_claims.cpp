// README claims about files and options, through the outbench executable: sound files in RF64, AIFF and
// FLAC, WAV/AIFF/FLAC written by another program (sox), group delay, --keep-captures, --reference-dbfs.
// Every figure is checked against the signal that was written (analytic truth).
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <complex>
#include <nlohmann/json.hpp>
#include <numbers>

#include "run_cli.hpp"
#include "test_support.hpp"

namespace outbench {
namespace {

using nlohmann::json;
using test::run_cli;
const std::string kSrc = OUTBENCH_SOURCE_DIR;

// A tone at `level_dbfs` (0 dBFS = full-scale sine) with a 3rd harmonic `h3_dbc` below it.
std::vector<double> tone_with_h3(double freq_hz, double level_dbfs, double h3_dbc, double rate_hz, std::size_t n) {
  const double a1 = std::pow(10.0, level_dbfs / 20), a3 = a1 * std::pow(10.0, h3_dbc / 20);
  return test::tones({{freq_hz, a1}, {3 * freq_hz, a3, 0.4}}, rate_hz, n);
}

// Write one channel through libsndfile in the given container and encoding.
void write_sndfile(const std::string& path, int format, const std::vector<double>& x, int rate_hz) {
  SF_INFO info{};
  info.samplerate = rate_hz;
  info.channels = 1;
  info.format = format;
  ASSERT_TRUE(sf_format_check(&info)) << path;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << sf_strerror(nullptr);
  ASSERT_EQ(sf_write_double(f, x.data(), static_cast<sf_count_t>(x.size())), static_cast<sf_count_t>(x.size()));
  sf_close(f);
}

json thdn_of(const std::string& path, const std::string& extra = "") {
  const auto r = run_cli("analyze thdn --input " + path + " --json " + extra);
  EXPECT_EQ(r.exit_code, 0) << path << ": " << r.err;
  return r.exit_code == 0 ? json::parse(r.out) : json::object();
}

// RF64, AIFF and FLAC (24-bit) as well as WAV: the level, frequency and THD of the tone that was written.
TEST(ReadmeFiles, Rf64AiffAndFlacAreRead) {
  test::TempDir d;
  const auto x = tone_with_h3(997, -6, -60, 48000, 48000);
  const struct {
    const char* name;
    int format;
  } files[] = {{"t.rf64", SF_FORMAT_RF64 | SF_FORMAT_PCM_24},
               {"t.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_24},
               {"t.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24},
               {"t.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24}};
  for (const auto& f : files) {
    write_sndfile(d / f.name, f.format, x, 48000);
    const auto j = thdn_of(d / f.name, "--fundamental-hz 997");
    ASSERT_FALSE(j.empty()) << f.name;
    EXPECT_NEAR(j["fundamental_hz"].get<double>(), 997.0, 0.01) << f.name;
    EXPECT_NEAR(j["level_dbfs"].get<double>(), -6.0, 0.01) << f.name;
    EXPECT_NEAR(j["thd_db"].get<double>(), -60.0, 0.05) << f.name;
    EXPECT_NEAR(j["harmonics"][1]["level_dbc"].get<double>(), -60.0, 0.05) << f.name;
  }
}

// A file written by another program: sox (Debian's, installed by scripts/setup.sh) synthesises a 1 kHz sine
// at half scale (-6.02 dBFS) as 24-bit WAV (WAVE_FORMAT_EXTENSIBLE), 16-bit AIFF and FLAC.
TEST(ReadmeFiles, FilesWrittenBySox) {
  ASSERT_EQ(std::system("command -v sox >/dev/null 2>&1"), 0) << "sox is not installed: run scripts/setup.sh";
  test::TempDir d;
  const struct {
    const char* name;
    const char* args;
    double rate_hz, max_thdn_db;
  } files[] = {{"sox.wav", "-r 48000 -b 24", 48000, -120},
               {"sox.aiff", "-r 44100 -b 16", 44100, -85},
               {"sox.flac", "-r 96000 -b 24", 96000, -120}};
  for (const auto& f : files) {
    const std::string cmd =
        std::string("sox -n ") + f.args + " " + (d / f.name) + " synth 1 sine 1000 vol 0.5 2>" + (d / "sox.err");
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd << ": " << test::slurp(d / "sox.err");
    const auto j = thdn_of(d / f.name);
    ASSERT_FALSE(j.empty()) << f.name;
    EXPECT_NEAR(j["fundamental_hz"].get<double>(), 1000.0, 0.01) << f.name;
    EXPECT_NEAR(j["level_dbfs"].get<double>(), 20 * std::log10(0.5), 0.01) << f.name;
    EXPECT_LT(j["thdn_db"].get<double>(), f.max_thdn_db) << f.name;
    // The rate came through: the analysed bin width is the rate over the transform size.
    EXPECT_NEAR(j["analysed"]["bin_hz"].get<double>() * j["analysed"]["segment_frames"].get<double>(), f.rate_hz, 1e-6)
        << f.name << " " << j["analysed"].dump();
  }
}

// Group delay: the sweep through a 4 kHz 2nd-order low-pass (RBJ biquad) and 100 frames of delay. The
// reported group delay (latency removed) is the filter's own, from its exact digital response.
TEST(ReadmeFiles, GroupDelayOfALowPass) {
  test::TempDir d;
  ASSERT_EQ(run_cli("generate sweep --start-hz 20 --stop-hz 20000 --seconds 2 --rate 48000 --level-dbfs -6 "
                    "--format double -o " +
                    (d / "s.wav"))
                .exit_code,
            0);
  SF_INFO info{};
  SNDFILE* f = sf_open((d / "s.wav").c_str(), SFM_READ, &info);
  ASSERT_NE(f, nullptr);
  std::vector<double> s(static_cast<std::size_t>(info.frames));
  sf_read_double(f, s.data(), info.frames);
  sf_close(f);
  const auto lp = test::Biquad::lowpass(4000, 0.7071, 48000);
  constexpr std::size_t kDelay = 100;
  std::vector<double> y(s.size() + kDelay + 9600, 0.0);
  const auto filtered = lp.apply(s);
  std::copy(filtered.begin(), filtered.end(), y.begin() + kDelay);
  write_sndfile(d / "y.wav", SF_FORMAT_WAV | SF_FORMAT_DOUBLE, y, 48000);

  const auto r = run_cli("analyze response --reference " + (d / "s.wav") + " --input " + (d / "y.wav") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  const long lat = j["latency_samples"].get<long>();
  EXPECT_GE(lat, static_cast<long>(kDelay));
  EXPECT_LE(lat, static_cast<long>(kDelay) + 3);
  const auto& pts = j["points"];
  ASSERT_GT(pts.size(), 100u);
  int checked = 0;
  double max_gd = 0, worst = 0;
  for (std::size_t i = 1; i + 1 < pts.size(); ++i) {
    const double f0 = pts[i]["freq_hz"].get<double>();
    if (f0 < 50 || f0 > 15000) continue;
    // The same central difference as the analysis, on the true phase: the filter, plus the delay that is
    // left after the integer latency was removed.
    const double fa = pts[i - 1]["freq_hz"].get<double>(), fb = pts[i + 1]["freq_hz"].get<double>();
    const double dphi = std::arg(lp.response(fb, 48000) / lp.response(fa, 48000));
    const double truth =
        -dphi / (2 * std::numbers::pi * (fb - fa)) + (static_cast<double>(kDelay) - static_cast<double>(lat)) / 48000;
    // The phase of the measured response is good to a few 1e-5 rad: over the grid's 3 % steps that is
    // ~3 us of group delay at 50 Hz, falling as 1/f (0.4 us at 1 kHz).
    const double tol_s = 0.2e-6 + 2.5e-4 / f0;
    EXPECT_NEAR(pts[i]["group_delay_s"].get<double>(), truth, tol_s) << f0 << " Hz";
    worst = std::max(worst, std::abs(pts[i]["group_delay_s"].get<double>() - truth) / tol_s);
    max_gd = std::max(max_gd, truth);
    ++checked;
  }
  EXPECT_GT(checked, 50);
  EXPECT_GT(max_gd, 20e-6);  // the filter's delay is far larger than the tolerance
  std::printf("group delay: worst error %.2f of the tolerance\n", worst);
}

const json& port_of(const json& r, const std::string& name) {
  for (const auto& p : r["ports"])
    if (p["name"] == name) return p;
  throw std::runtime_error("no port " + name);
}

// --keep-captures writes every capture as WAV; the reference tone's capture, analysed by `outbench analyze
// thdn`, gives exactly the figures in results.json (same samples, same analysis).
TEST(ReadmeOptions, KeepCapturesWritesWhatWasAnalysed) {
  test::TempDir d;
  const auto r = run_cli("run --quick --quiet --ports line --loads open,10k --keep-captures -o " + (d / "rep"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto res = json::parse(test::slurp(d / "rep/results.json"));
  std::vector<std::filesystem::path> wavs;
  for (const auto& e : std::filesystem::directory_iterator(d / "rep/captures")) wavs.push_back(e.path());
  std::sort(wavs.begin(), wavs.end());
  ASSERT_GT(wavs.size(), 20u);
  int checked = 0;
  for (const auto& l : port_of(res, "line")["loads"]) {
    const std::string load = l["load"].get<std::string>();
    std::string file;
    for (const auto& w : wavs)
      if (w.filename().string().find("-line-" + load + "-ref-tone.wav") != std::string::npos) file = w.string();
    ASSERT_FALSE(file.empty()) << "no reference tone capture for " << load;
    const auto j = thdn_of(file, "--fundamental-hz 997");
    ASSERT_FALSE(j.empty());
    EXPECT_NEAR(j["level_dbfs"].get<double>(), l["thdn_reference"]["level_dbfs"].get<double>(), 1e-6) << load;
    EXPECT_NEAR(j["thdn_db"].get<double>(), l["thdn_reference"]["thdn_db"].get<double>(), 1e-6) << load;
    ++checked;
  }
  EXPECT_EQ(checked, 2);
  // Without the option, no captures.
  const auto r2 = run_cli("run --quick --quiet --ports line --loads open -o " + (d / "rep2"));
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_FALSE(std::filesystem::exists(d / "rep2/captures"));
}

// --reference-dbfs moves the reference tone: at -10 dBFS rather than -20 the level comes back exactly
// 10 dB higher (the line out is linear there), and the drive is recorded.
TEST(ReadmeOptions, ReferenceDbfsMovesTheReferenceTone) {
  test::TempDir d;
  json at[2];
  const double levels[2] = {-20.0, -10.0};
  for (int i = 0; i < 2; ++i) {
    const auto r = run_cli("run --quick --quiet --ports line --loads 10k --reference-dbfs " +
                           std::to_string(levels[i]) + " -o " + (d / ("rep" + std::to_string(i))));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    at[i] = port_of(json::parse(test::slurp(d / ("rep" + std::to_string(i)) + "/results.json")), "line")["loads"][0];
  }
  for (int i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(at[i]["drives_dbfs"]["reference"].get<double>(), levels[i]);
  EXPECT_NEAR(at[1]["thdn_reference"]["level_dbfs"].get<double>() - at[0]["thdn_reference"]["level_dbfs"].get<double>(),
              10.0, 0.01);
  // The line out's gain into 10k with the loopback's 7.75 V full scale: 3.9 V EMF * 10k/(10k + 100) at 0 dBFS.
  const double gain_db = 20 * std::log10(3.9 * (1e4 * 1e6 / (1e4 + 1e6)) / (100 + 1e4 * 1e6 / (1e4 + 1e6)) / 7.75);
  EXPECT_NEAR(at[1]["thdn_reference"]["level_dbfs"].get<double>(), -10.0 + gain_db, 0.02);
  // Out of range: a usage error.
  const auto bad = run_cli("run --quick --reference-dbfs 3 -o " + (d / "bad"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--reference-dbfs"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace outbench
