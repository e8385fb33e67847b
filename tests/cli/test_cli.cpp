#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "measure/files/wav_file.hpp"
#include "model_truth.hpp"
#include "run_cli.hpp"

namespace outbench {
namespace {

using nlohmann::json;
using test::run_cli;

TEST(Cli, Version) {
  const auto r = run_cli("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("outbench "), std::string::npos);
}

TEST(Cli, ToneThdnJsonContract) {
  test::TempDir d;
  ASSERT_EQ(
      run_cli("generate tone --freq-hz 997 --seconds 1 --rate 48000 --level-dbfs -1 -o " + (d / "t.wav")).exit_code, 0);
  const auto r = run_cli("analyze thdn --input " + (d / "t.wav") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_NEAR(j["fundamental_hz"].get<double>(), 997, 0.01);
  EXPECT_NEAR(j["level_dbfs"].get<double>(), -1, 0.01);
  EXPECT_LT(j["thdn_db"].get<double>(), -135);
  for (const char* k : {"thd_db", "thdn_percent", "noise_dbfs", "harmonics"}) EXPECT_TRUE(j.contains(k)) << k;
  ASSERT_FALSE(j["harmonics"].empty());
  EXPECT_EQ(j["harmonics"][0]["order"], 2);
  EXPECT_TRUE(j["harmonics"][0].contains("freq_hz"));
  EXPECT_TRUE(j["harmonics"][0].contains("level_dbc"));
  // Human-readable summary without --json.
  const auto h =
      run_cli("analyze thdn --input " + (d / "t.wav") + " --fundamental-hz 997 --band 20:20000 --weighting a");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("THD+N"), std::string::npos);
}

// The wisdom cache's tests: `analyze response` of a 1 s sweep against itself, with the cache in a folder of its own.
struct WisdomCase {
  test::TempDir d;
  std::string cmd = "analyze response --reference " + (d / "s.wav") + " --input " + (d / "s.wav") + " --json";
  std::string env = "XDG_CACHE_HOME=" + (d / "cache");
  std::string file = d / "cache/outbench/fftw-wisdom";
  WisdomCase() {
    const auto g = run_cli("generate sweep --start-hz 20 --stop-hz 20000 --seconds 1 --rate 48000 --level-dbfs -6 -o " +
                           (d / "s.wav"));
    EXPECT_EQ(g.exit_code, 0) << g.err;
  }
};

// The FFTW wisdom cache of `outbench analyze` (measure/cli/fft_wisdom_cache.hpp): a first run writes it, a run
// that imports it prints the same figures bit for bit, a torn or foreign file is ignored (same figures) and
// replaced by a valid one, and OUTBENCH_FFTW_WISDOM=off writes none.
TEST(Cli, FftwWisdomCacheLeavesTheFiguresBitForBit) {
  const WisdomCase c;
  const std::string &cmd = c.cmd, &env = c.env, &file = c.file;
  const auto off = run_cli(cmd, env + " OUTBENCH_FFTW_WISDOM=off");
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_FALSE(std::filesystem::exists(file));
  const auto cold = run_cli(cmd, env);
  ASSERT_EQ(cold.exit_code, 0) << cold.err;
  ASSERT_TRUE(std::filesystem::exists(file));
  const std::string wisdom = test::slurp(file);
  EXPECT_EQ(wisdom.rfind("outbench-fftw-wisdom 1 ", 0), 0u);
  EXPECT_NE(wisdom.find("(fftw-3"), std::string::npos);
  EXPECT_EQ(run_cli(cmd, env).out, off.out);
  EXPECT_EQ(cold.out, off.out);
  for (const std::string& bad : {wisdom.substr(0, wisdom.size() / 2), std::string("outbench-fftw-wisdom 1 0\n(x)")}) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bad;
    const auto r = run_cli(cmd, env);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, off.out);
    EXPECT_EQ(test::slurp(file), wisdom);
  }
}

// The file's first line: `outbench-fftw-wisdom 1 <FNV-1a 64 of the rest, hex>` (fft_wisdom_cache.hpp).
std::string wisdom_file(const std::string& text) {
  unsigned long long h = 14695981039346656037ULL;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", h);
  return "outbench-fftw-wisdom 1 " + std::string(hex) + "\n" + text;
}

// A cache file over 128 KiB (valid, importable) is not imported, and the run's own wisdom replaces it: FFTW
// reads and writes the whole text at every start, so a cache that kept every size would slow every run.
TEST(Cli, FftwWisdomCacheStartsAgainWhenLarge) {
  const WisdomCase c;
  const std::string &cmd = c.cmd, &env = c.env, &file = c.file;
  const auto cold = run_cli(cmd, env);
  ASSERT_EQ(cold.exit_code, 0) << cold.err;
  const std::string own = test::slurp(file);
  // FFTW's text: a first line, one entry per line "(solver flags ... #xHASH)", a last ")". Entries with other
  // hashes (problems this run never plans) until the text passes 128 KiB; FFTW imports and keeps them all.
  std::istringstream in(own.substr(own.find('\n') + 1));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_GT(lines.size(), 3u);
  std::string big = lines.front() + "\n";
  for (int copy = 0; big.size() < (std::size_t{150} << 10); ++copy)
    for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
      const std::size_t at = lines[i].rfind("#x");
      ASSERT_NE(at, std::string::npos) << lines[i];
      char hash[16];
      std::snprintf(hash, sizeof hash, "#x%x)", 0x10000000u + static_cast<unsigned>(copy * 4096 + i));
      big += lines[i].substr(0, at) + hash + "\n";
    }
  big += lines.back() + "\n";
  std::ofstream(file, std::ios::binary | std::ios::trunc) << wisdom_file(big);
  const auto r = run_cli(cmd, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, cold.out);
  EXPECT_EQ(test::slurp(file), own);  // had it been imported, its entries would have been written back
}

// The cache is read only when it is a regular file: a FIFO (which would block the run forever) or a symlink to
// an endless device (which would fill the memory) is left unread, and the run's own wisdom replaces it.
TEST(Cli, FftwWisdomCacheReadsOnlyARegularFile) {
  const WisdomCase c;
  const std::string &cmd = c.cmd, &env = c.env, &file = c.file;
  const auto off = run_cli(cmd, env + " OUTBENCH_FFTW_WISDOM=off");
  ASSERT_EQ(off.exit_code, 0) << off.err;
  std::filesystem::create_directories(c.d / "cache/outbench");
  for (const char* kind : {"fifo", "symlink to /dev/zero"}) {
    std::filesystem::remove(file);
    if (std::string(kind) == "fifo")
      ASSERT_EQ(::mkfifo(file.c_str(), 0644), 0);
    else
      std::filesystem::create_symlink("/dev/zero", file);
    const auto r = run_cli(cmd, env + " timeout 60");  // 124 if it blocks
    EXPECT_EQ(r.exit_code, 0) << kind << ": " << r.err;
    EXPECT_EQ(r.out, off.out) << kind;
    EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::symlink_status(file))) << kind;
  }
}

TEST(Cli, SweepResponseAndImpedance) {
  test::TempDir d;
  ASSERT_EQ(run_cli("generate sweep --start-hz 20 --stop-hz 20000 --seconds 2 --rate 48000 --level-dbfs -6 -o " +
                    (d / "s.wav"))
                .exit_code,
            0);
  const auto r = run_cli("analyze response --reference " + (d / "s.wav") + " --input " + (d / "s.wav") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["latency_samples"], 0);
  ASSERT_GT(j["points"].size(), 200u);
  for (const auto& p : j["points"]) {
    ASSERT_TRUE(p.contains("freq_hz") && p.contains("magnitude_db") && p.contains("phase_deg"));
    if (p["freq_hz"].get<double>() > 30 && p["freq_hz"].get<double>() < 19000) {
      EXPECT_NEAR(p["magnitude_db"].get<double>(), 0.0, 0.05);
    }
  }
  const auto z = run_cli("analyze impedance --reference " + (d / "s.wav") + " --open " + (d / "s.wav") + " --loaded " +
                         (d / "s.wav") + " --load-ohms 32 --json");
  ASSERT_EQ(z.exit_code, 0) << z.err;
  const auto jz = json::parse(z.out);
  ASSERT_FALSE(jz["points"].empty());
  for (const char* k : {"freq_hz", "z_ohms", "r_ohms", "x_ohms"}) EXPECT_TRUE(jz["points"][0].contains(k)) << k;
  EXPECT_NEAR(jz["points"][10]["z_ohms"].get<double>(), 0.0, 0.01);  // identical captures: no source impedance
}

// The contract's own sweep (20 Hz..20 kHz, 2 s) through an R + series-C source (bilinear, as in the analysis
// tests) into 32 ohm || 1 Mohm, delayed by 137 frames, written as 24-bit files: `analyze impedance` recovers
// |Zout| within 1 % from 20 Hz to 20 kHz (at_20hz included) and `analyze response` finds the latency.
TEST(Cli, ImpedanceOfAnRcSourceFromTheContractSweep) {
  test::TempDir d;
  ASSERT_EQ(run_cli("generate sweep --start-hz 20 --stop-hz 20000 --seconds 2 --rate 48000 --level-dbfs -6 -o " +
                    (d / "s.wav"))
                .exit_code,
            0);
  const auto ref = read_sound_file(d / "s.wav");
  const double fs = 48000, rs = 10, c = 220e-6, zin = 1e6, rl = 32;
  const std::size_t delay = 137;
  auto divider = [&](double zl, std::size_t extra_frames = 0) {
    std::vector<double> v(ref.n_frames() + delay + 24000 + extra_frames, 0.0);
    const double k = 1.0 / (2 * fs * c);
    double vc = 0, i_prev = 0;
    for (std::size_t n = 0; n < ref.n_frames(); ++n) {
      const double i = (ref.channels[0][n] - vc - k * i_prev) / (rs + zl + k);
      vc += k * (i + i_prev);
      i_prev = i;
      v[n + delay] = i * zl;
    }
    return std::vector<std::vector<double>>{v};
  };
  write_wav(d / "open.wav", divider(zin), fs, SampleFormat::Pcm24);
  write_wav(d / "loaded.wav", divider(rl * zin / (rl + zin)), fs, SampleFormat::Pcm24);
  auto truth = [&](double f) {
    return std::abs(std::complex<double>(rs, -1.0 / (c * 2 * fs * std::tan(std::numbers::pi * f / fs))));
  };
  const auto z = run_cli("analyze impedance --reference " + (d / "s.wav") + " --open " + (d / "open.wav") +
                         " --loaded " + (d / "loaded.wav") + " --load-ohms 32 --json");
  ASSERT_EQ(z.exit_code, 0) << z.err;
  const auto jz = json::parse(z.out);
  int n = 0;
  for (const auto& p : jz["points"]) {
    const double f = p["freq_hz"].get<double>();
    if (f < 20 || f > 20000) continue;
    EXPECT_NEAR(p["z_ohms"].get<double>(), truth(f), 0.01 * truth(f)) << f << " Hz";
    if (f < 1000) {
      EXPECT_LT(p["x_ohms"].get<double>(), 0) << "capacitive at " << f;
    }
    ++n;
  }
  EXPECT_GT(n, 230);
  ASSERT_TRUE(jz["at_20hz"].is_object()) << jz["at_20hz"];
  EXPECT_NEAR(jz["at_20hz"]["z_ohms"].get<double>(), truth(20), 0.01 * truth(20));
  EXPECT_NEAR(jz["at_1k"]["z_ohms"].get<double>(), truth(1000), 0.01 * truth(1000));
  const auto r =
      run_cli("analyze response --reference " + (d / "s.wav") + " --input " + (d / "loaded.wav") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["latency_samples"], static_cast<int>(delay));
  // A loaded capture longer than the open one (each gets a deconvolver of its own length): the same answer.
  write_wav(d / "loaded_long.wav", divider(rl * zin / (rl + zin), 30000), fs, SampleFormat::Pcm24);
  const auto zl = run_cli("analyze impedance --reference " + (d / "s.wav") + " --open " + (d / "open.wav") +
                          " --loaded " + (d / "loaded_long.wav") + " --load-ohms 32 --json");
  ASSERT_EQ(zl.exit_code, 0) << zl.err;
  const auto jl = json::parse(zl.out);
  EXPECT_NEAR(jl["at_20hz"]["z_ohms"].get<double>(), truth(20), 0.01 * truth(20));
  EXPECT_NEAR(jl["at_1k"]["z_ohms"].get<double>(), truth(1000), 0.01 * truth(1000));
}

TEST(Cli, ErrorsAreSpecificWithExitCode2) {
  test::TempDir d;
  ASSERT_EQ(run_cli("generate tone -o " + (d / "t.wav")).exit_code, 0);
  struct Case {
    std::string args, expect;
  };
  const std::vector<Case> cases = {
      {"analyze thdn --input " + (d / "missing.wav"), "missing.wav"},
      {"analyze thdn --input " + (d / "t.wav") + " --channel 2", "--channel 2"},
      {"analyze thdn --input " + (d / "t.wav") + " --fundamental-hz 30000", "Nyquist"},
      {"analyze thdn --input " + (d / "t.wav") + " --band 20-20000", "--band"},
      {"analyze thdn --input " + (d / "t.wav") + " --weighting c", "--weighting"},
      {"analyze thdn", "input"},
      {"analyze thdn --input " + (d / "t.wav") + " --bogus", "bogus"},
      {"analyze spectrum", "spectrum"},
      {"generate noise", "generate"},
      {"generate tone --freq-hz 30000 -o " + (d / "x.wav"), "Nyquist"},
      {"generate tone --rate abc -o " + (d / "x.wav"), "rate"},
      {"frobnicate", "frobnicate"},
      {"analyze impedance --reference " + (d / "t.wav") + " --open " + (d / "t.wav") + " --loaded " + (d / "t.wav") +
           " --load-ohms -3",
       "--load-ohms"},
  };
  for (const auto& c : cases) {
    const auto r = run_cli(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.args << " -> " << r.err;
    EXPECT_TRUE(r.out.empty()) << c.args;
  }
}

// An output that cannot be written is not an input error: exit 3, naming the file, and nothing is left behind.
TEST(Cli, WriteFailureExitsWith3) {
  test::TempDir d;
  const auto r = run_cli("generate tone -o " + (d / "no/such/folder/t.wav"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot write '" + (d / "no/such/folder/t.wav") + "'"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(d / "no"));
  std::filesystem::create_directories(d / "ro");
  { std::ofstream(d / "ro/file") << "x"; }
  const auto f = run_cli("run --quick --quiet --ports line --loads open -o " + (d / "ro/file"));
  EXPECT_EQ(f.exit_code, 3) << f.err;
  EXPECT_NE(f.err.find("cannot create the report folder"), std::string::npos) << f.err;
}

// An empty output name, or a folder where a file is to be written, is a usage error (exit 2) in every
// command, before anything is read or written; only a failing write is exit 3.
TEST(Cli, OutputNamesThatAreNoFileAreUsageErrors) {
  test::TempDir d;
  std::filesystem::create_directories(d / "adir");
  const auto q = run_cli("run --quick --quiet -o " + (d / "rep"));
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const std::string results = d / "rep/results.json";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"run --quick --quiet -o ''", "-o is empty"},
      {"generate tone -o ''", "-o is empty"},
      {"generate tone -o " + (d / "adir"), "is a folder"},
      {"report " + results + " -o " + (d / "adir"), "is a folder"},
      {"report " + results + " -o ''", "-o is empty"},
      {"compare " + results + " " + results + " -o " + (d / "adir"), "is a folder"},
  };
  for (const auto& [cmd, says] : cases) {
    const auto r = run_cli(cmd);
    EXPECT_EQ(r.exit_code, 2) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << cmd << ": " << r.err;
  }
  EXPECT_TRUE(std::filesystem::is_empty(d / "adir"));
}

TEST(CliRun, QuickRunWritesResultsJson) {
  test::TempDir d;
  const auto r = run_cli("run --quick --json -o " + (d / "rep"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);  // stdout is exactly one JSON document
  EXPECT_EQ(j["schema"], "outbench/2");
  EXPECT_TRUE(j["complete"].get<bool>());
  const auto f = json::parse(test::slurp(d / "rep/results.json"));
  EXPECT_EQ(f["ports"].size(), 2u);
  EXPECT_EQ(f["ports"][1]["name"], "headphone");
  EXPECT_NEAR(f["ports"][1]["output_impedance"]["z_1k_ohms"].get<double>(), 10.03, 0.2);
  EXPECT_GE(f["verdicts"].size(), 3u);
  EXPECT_TRUE(f["conditions"].contains("seed"));
}

TEST(CliRun, DeviceWithoutLineOutReportsItAbsent) {
  test::TempDir d;
  const auto r = run_cli("run --quick --quiet --device " + std::string(OUTBENCH_SOURCE_DIR) +
                         "/fixtures/devices/phone-dongle.json -o " + (d / "rep"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(test::slurp(d / "rep/results.json"));
  bool line_absent = false;
  for (const auto& p : j["ports"])
    if (p["name"] == "line") line_absent = !p["present"].get<bool>();
  EXPECT_TRUE(line_absent);
  for (const auto& v : j["verdicts"])
    if (v["id"] == "line_for_headphones") {
      EXPECT_FALSE(v["applicable"].get<bool>());
    }
}

TEST(CliRun, BrokenConfigsNameTheField) {
  test::TempDir d;
  const std::string bench = test::slurp(std::string(OUTBENCH_SOURCE_DIR) + "/fixtures/benches/simulated-usb.json");
  auto broken = json::parse(bench);
  broken["audio"]["device_model"] = std::string(OUTBENCH_SOURCE_DIR) + "/fixtures/devices/usb-interface.json";
  broken["ports"]["line"]["output_channels"] = {0, "one"};
  { std::ofstream(d / "bench.json") << broken.dump(); }
  auto r = run_cli("run --quick --bench " + (d / "bench.json") + " -o " + (d / "rep"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ports.line.output_channels[1]"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(d / "rep/results.json"));

  auto dev = json::parse(test::slurp(std::string(OUTBENCH_SOURCE_DIR) + "/fixtures/devices/usb-interface.json"));
  dev["ports"]["headphone"]["source_r_ohms"] = -3;
  { std::ofstream(d / "dev.json") << dev.dump(); }
  r = run_cli("run --quick --device " + (d / "dev.json") + " -o " + (d / "rep"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ports.headphone.source_r_ohms"), std::string::npos) << r.err;

  { std::ofstream(d / "notjson.json") << "{ \"schema\": "; }
  r = run_cli("run --quick --device " + (d / "notjson.json") + " -o " + (d / "rep"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;

  r = run_cli("run --quick --loads open,47 -o " + (d / "rep"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--loads"), std::string::npos) << r.err;
}

TEST(CliReport, RerendersAndRejectsOtherSchemas) {
  test::TempDir d;
  ASSERT_EQ(run_cli("run --quick --quiet --loads open,10k -o " + (d / "rep")).exit_code, 0);
  auto r = run_cli("report " + (d / "rep/results.json") + " -o " + (d / "again.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = test::slurp(d / "again.html");
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(html.find("verdict-text"), std::string::npos);
  for (const char* ref : {"src=\"http", "href=\"http", "url(http", "@import"})  // nothing to fetch
    EXPECT_EQ(html.find(ref), std::string::npos) << ref;

  auto old = json::parse(test::slurp(d / "rep/results.json"));
  old["schema"] = "outbench/0";
  std::ofstream(d / "old.json") << old.dump();
  r = run_cli("report " + (d / "old.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("outbench/0"), std::string::npos) << r.err;

  std::ofstream(d / "broken.json") << "{\"schema\": \"outbench/1\", \"ports\": [";
  r = run_cli("report " + (d / "broken.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;

  auto partial = json::parse(test::slurp(d / "rep/results.json"));
  partial.erase("verdicts");
  std::ofstream(d / "partial.json") << partial.dump();
  r = run_cli("report " + (d / "partial.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("verdicts"), std::string::npos) << r.err;
}

// compare: a run against itself changes nothing; a copy with one verdict flipped and the headphone out's
// |Zout| at 1 kHz moved by 10 % (tolerance 2 %) and its 20 Hz value by 1 % (tolerance 5 %) marks exactly
// those two, not the one within tolerance.
TEST(CliReport, CompareMarksChangedVerdictsAndMovedFigures) {
  test::TempDir d;
  ASSERT_EQ(run_cli("run --quick --quiet --loads open,10k,32 -o " + (d / "rep")).exit_code, 0);
  auto r = run_cli("compare " + (d / "rep/results.json") + " " + (d / "rep/results.json") + " -o " + (d / "same.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = test::slurp(d / "same.html");
  EXPECT_NE(html.find("0 verdict(s) changed"), std::string::npos);
  EXPECT_NE(html.find("0 figure(s) moved"), std::string::npos);
  EXPECT_EQ(html.find("class=\"delta moved\""), std::string::npos);

  auto b = json::parse(test::slurp(d / "rep/results.json"));
  const bool was = b["verdicts"][0]["pass"].get<bool>();
  b["verdicts"][0]["pass"] = !was;
  b["verdicts"][0]["grade"] = was ? "no" : "yes";
  for (auto& p : b["ports"])
    if (p["name"] == "headphone") {
      p["output_impedance"]["z_1k_ohms"] = p["output_impedance"]["z_1k_ohms"].get<double>() * 1.10;
      p["output_impedance"]["z_20hz_ohms"] = p["output_impedance"]["z_20hz_ohms"].get<double>() * 1.01;
      p["loads"][1]["snr_db"] = p["loads"][1]["snr_db"].get<double>() + 2.0;  // tolerance 1 dB
      // A reading in B (the simulated run's SNR into 10k is within 3 dB of the analyser's floor, a bound: two
      // bounds differing would not be a move).
      if (p["loads"][1].contains("floor") && p["loads"][1]["floor"].contains("snr"))
        p["loads"][1]["floor"]["snr"]["analyser_limited"] = false;
      p["loads"][1]["dynamic_range_db"] = p["loads"][1]["dynamic_range_db"].get<double>() + 0.5;
    }
  std::ofstream(d / "b.json") << b.dump();
  r = run_cli("compare " + (d / "rep/results.json") + " " + (d / "b.json") + " -o " + (d / "diff.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  html = test::slurp(d / "diff.html");
  EXPECT_NE(html.find("1 verdict(s) changed"), std::string::npos);
  EXPECT_NE(html.find("2 figure(s) moved"), std::string::npos);
  const auto row = html.find("headphone out: output impedance at 1 kHz");
  ASSERT_NE(row, std::string::npos);
  EXPECT_NE(html.substr(row, 300).find("delta moved"), std::string::npos);
  const auto snr = html.find("headphone out into 10k: SNR");
  ASSERT_NE(snr, std::string::npos);
  EXPECT_NE(html.substr(snr, 300).find("delta moved"), std::string::npos);
  const auto dr = html.find("headphone out into 10k: dynamic range");
  ASSERT_NE(dr, std::string::npos);
  EXPECT_EQ(html.substr(dr, 300).find("delta moved"), std::string::npos);
}

TEST(CliCalibrate, OutputInputAndLoopbackOnTheSimulatedBench) {
  test::TempDir d;
  auto b = json::parse(test::slurp(std::string(OUTBENCH_SOURCE_DIR) + "/fixtures/benches/simulated-usb.json"));
  b["audio"]["device_model"] = std::string(OUTBENCH_SOURCE_DIR) + "/fixtures/devices/usb-interface.json";
  for (auto& [name, p] : b["ports"].items()) p.erase("vrms_at_0dbfs");
  b["loopback_input"].erase("vrms_at_0dbfs");
  // Without any calibration a run needs the drive the user accepts without volt protection (test_safety_cli).
  b["safety"]["uncalibrated_max_drive_dbfs"] = 0;
  std::ofstream(d / "bench.json") << b.dump();
  // Uncalibrated: volt rules are skipped and the verdict says so.
  auto r = run_cli("run --quick --quiet --ports headphone --loads open,10k --bench " + (d / "bench.json") + " -o " +
                   (d / "u"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto u = json::parse(test::slurp(d / "u/results.json"));
  EXPECT_FALSE(u["conditions"]["calibrated"].get<bool>());
  EXPECT_NE(u["verdicts"][0]["summary"].get<std::string>().find("Not evaluated"), std::string::npos);
  // Input before output: refused with the fix.
  r = run_cli("calibrate input --bench " + (d / "bench.json") + " --port headphone");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("calibrate output"), std::string::npos) << r.err;
  // Output from a meter reading of 0.32 Vrms at -20 dBFS: 3.2 Vrms at 0 dBFS (the model's value).
  r = run_cli("calibrate output --bench " + (d / "bench.json") +
              " --port headphone --level-dbfs -20 --measured-vrms 0.32");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli("calibrate input --bench " + (d / "bench.json") + " --port headphone");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli("calibrate loopback --bench " + (d / "bench.json") + " --port line");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto c = json::parse(test::slurp(d / "bench.json"));
  EXPECT_NEAR(c["ports"]["headphone"]["vrms_at_0dbfs"].get<double>(), 3.2, 1e-9);
  EXPECT_NEAR(c["loopback_input"]["vrms_at_0dbfs"].get<double>(), 7.75, 0.01);  // the model's ADC full scale
  // The loopback floor of the simulated line out (open load, -1 dBFS): THD+N from the model, a flat response
  // and the model's latency.
  {
    const auto model =
        sim::load_device_model(std::string(OUTBENCH_SOURCE_DIR) + "/fixtures/devices/usb-interface.json");
    const auto& fl = c["analyser_floor"];
    EXPECT_NEAR(fl["thdn_db"].get<double>(),
                test::model_thdn_db(model, *model.port("line"), std::numeric_limits<double>::infinity(), -1.0), 0.5);
    EXPECT_LT(fl["response_deviation_20_20k_db"].get<double>(), 0.05);
    EXPECT_EQ(fl["latency_frames"].get<long>(), model.loopback.latency_frames);
    EXPECT_GT(fl["response"].size(), 25u);
    // And at the runs' reference drive (-20 dBFS): the model's THD+N there, and its residual in dBFS.
    EXPECT_EQ(fl["reference_drive_dbfs"].get<double>(), -20.0);
    const double ref_thdn =
        test::model_thdn_db(model, *model.port("line"), std::numeric_limits<double>::infinity(), -20.0);
    EXPECT_NEAR(fl["reference_thdn_db"].get<double>(), ref_thdn, 0.5);
    EXPECT_LT(fl["reference_residual_dbfs"].get<double>(), -20.0 + ref_thdn + 0.5);
  }
  EXPECT_TRUE(c["loopback_input"].contains("calibrated_on"));
  EXPECT_EQ(c["name"], b["name"]);  // the rest of the file is kept
  // Missing meter reading without a terminal: a clear error.
  r = run_cli("calibrate output --bench " + (d / "bench.json") + " --port line");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--measured-vrms"), std::string::npos) << r.err;
}

TEST(CliRun, ListDevices) {
  const auto r = run_cli("list-devices");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* n : {"usb-interface", "phone-dongle", "iec61938-120ohm"})
    EXPECT_NE(r.out.find(n), std::string::npos) << n;
}

// Every subcommand's --help shows an example, and the examples use only options that exist: each one is run
// through the option parser of its own subcommand with --help appended (an unknown option is exit 2).
TEST(Cli, EverySubcommandHelpHasAWorkingExample) {
  for (const std::string c : {"run",
                              "devices",
                              "calibrate output",
                              "calibrate input",
                              "calibrate loopback",
                              "report",
                              "compare",
                              "generate sweep",
                              "generate tone",
                              "generate imd",
                              "analyze thdn",
                              "analyze response",
                              "analyze imd",
                              "export",
                              "analyze impedance",
                              "calibrate",
                              "generate",
                              "analyze",
                              "calibrate input-impedance",
                              "generate multitone",
                              "analyze multitone",
                              "analyze headphones",
                              "list-devices"}) {
    const auto r = run_cli(c + " --help");
    EXPECT_EQ(r.exit_code, 0) << c << ": " << r.err;
    const auto at = r.out.find("example");
    ASSERT_NE(at, std::string::npos) << c << " --help has no example:\n" << r.out;
    std::istringstream lines(r.out.substr(at));
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      const auto ob = line.find("outbench ");
      if (ob == std::string::npos) continue;
      std::string ex = line.substr(ob + 9);
      ex = ex.substr(0, ex.find('#'));
      // A subcommand's example is of that subcommand ("calibrate input-impedance" showed `calibrate input`).
      const bool own = ex.compare(0, c.size(), c) == 0 && (ex.size() == c.size() || ex[c.size()] == ' ');
      if (c != "calibrate" && c != "generate" && c != "analyze") {
        EXPECT_TRUE(own) << c << ": example '" << ex << "' is of another command";
      }
      const auto e = run_cli(ex + " --help");
      EXPECT_EQ(e.exit_code, 0) << c << ": example '" << ex << "' is refused: " << e.err;
    }
  }
  // `outbench --help` lists every subcommand, one line each.
  const auto top = run_cli("--help");
  EXPECT_EQ(top.exit_code, 0);
  for (const char* w :
       {"\n  run ", "\n  list-devices ", "\n  devices ", "input-impedance", "\n  report ", "\n  compare ",
        "\n  export ", "sweep|tone|imd|multitone", "\n  analyze thdn ", "\n  analyze response ",
        "\n  analyze impedance ", "\n  analyze imd ", "\n  analyze multitone ", "\n  analyze headphones "})
    EXPECT_NE(top.out.find(w), std::string::npos) << "outbench --help lacks '" << w << "':\n" << top.out;
  // A command group without its subcommand is a usage error that lists the subcommands.
  const auto r = run_cli("calibrate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("loopback"), std::string::npos) << r.err;
}

// Without a JACK server, `devices` lists what there is and says once that JACK is not running; libjack's own
// connection messages stay off the output.
TEST(Cli, DevicesWithoutJackSaysSoOnceWithoutLibraryChatter) {
  const auto r = run_cli("devices", "JACK_DEFAULT_SERVER=outbench-test-no-such-server JACK_NO_START_SERVER=1");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Devices:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no server is running"), std::string::npos) << r.out;
  for (const char* chatter : {"Cannot connect", "JackShm", "jack server is not running"}) {
    EXPECT_EQ(r.out.find(chatter), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(chatter), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace outbench
