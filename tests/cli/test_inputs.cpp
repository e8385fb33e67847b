// Bad input of every kind: a clear message naming what is wrong and exit code 2, never a crash, a hang or a
// made-up number. JSON files (device, bench, rules, results), sound files, and every numeric option.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <numbers>

#include "measure/config/json_reader.hpp"
#include "measure/errors.hpp"
#include "measure/files/wav_file.hpp"
#include "run_cli.hpp"

namespace outbench {
namespace {

using nlohmann::json;
using test::run_cli;

const std::string kSource = OUTBENCH_SOURCE_DIR;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A simulated bench file (absolute device path) that `outbench run` accepts, to break one thing at a time.
json good_bench() {
  auto b = json::parse(test::slurp(kSource + "/fixtures/benches/simulated-usb.json"));
  b["audio"]["device_model"] = kSource + "/fixtures/devices/usb-interface.json";
  return b;
}

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

// A minimal WAV file: PCM or IEEE-float samples as raw bytes, header fields as given (even when absurd).
std::string wav_bytes(int format_tag, int channels, std::uint32_t rate, int bits, const std::string& data) {
  auto u16 = [](unsigned v) { return std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8 & 0xff)}; };
  auto u32 = [&](std::uint32_t v) { return u16(v & 0xffff) + u16(v >> 16); };
  const unsigned block = static_cast<unsigned>(channels * bits / 8);
  const std::string fmt = u16(static_cast<unsigned>(format_tag)) + u16(static_cast<unsigned>(channels)) + u32(rate) +
                          u32(rate * block) + u16(block) + u16(static_cast<unsigned>(bits));
  const std::string body = "WAVEfmt " + u32(static_cast<std::uint32_t>(fmt.size())) + fmt + "data" +
                           u32(static_cast<std::uint32_t>(data.size())) + data;
  return "RIFF" + u32(static_cast<std::uint32_t>(body.size())) + body;
}

std::string doubles(const std::vector<double>& v) {
  std::string s(v.size() * sizeof(double), '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

struct Case {
  std::string args, expect;
};

void expect_exit_2(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    const auto r = run_cli(c.args, "timeout 60");
    EXPECT_EQ(r.exit_code, 2) << c.args << " -> " << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.args << " -> " << r.err;
    EXPECT_TRUE(r.out.empty()) << c.args << " -> " << r.out;
  }
}

// The depth limit is exact: 64 levels parse, 65 do not (so the serializer's recursion stays bounded).
TEST(JsonInput, DepthLimitIsExact) {
  test::TempDir d;
  write_file(d / "ok.json", nested_arrays(kMaxJsonDepth));
  EXPECT_NO_THROW(read_json_file(d / "ok.json"));
  write_file(d / "deep.json", "{\"a\": " + nested_arrays(kMaxJsonDepth) + "}");
  try {
    read_json_file(d / "deep.json");
    FAIL() << "65 levels accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 1, column 70: objects and arrays nested more than 64 levels"),
              std::string::npos)
        << e.what();
  }
  // Brackets inside strings are text, not nesting.
  write_file(d / "text.json", "{\"a\": \"" + std::string(1000, '[') + "\\\"{\"}");
  EXPECT_NO_THROW(read_json_file(d / "text.json"));
}

// 100,000 nested arrays as a device, bench, rules or results file: a message and exit 2 (was SIGSEGV).
TEST(JsonInput, DeepNestingIsRefusedEverywhere) {
  test::TempDir d;
  write_file(d / "deep.json", nested_arrays(100000));
  const std::string deep = d / "deep.json", msg = "nested more than 64 levels deep";
  expect_exit_2({{"run --quick --device " + deep + " -o " + (d / "r"), msg},
                 {"run --quick --bench " + deep + " -o " + (d / "r"), msg},
                 {"run --quick --rules " + deep + " -o " + (d / "r"), msg},
                 {"report " + deep + " -o " + (d / "r.html"), msg},
                 {"compare " + deep + " " + deep + " -o " + (d / "c.html"), msg},
                 {"calibrate output --measured-vrms 1 --bench " + deep, msg},
                 {"devices --bench " + deep, msg}});
  EXPECT_FALSE(std::filesystem::exists(d / "r"));
}

// Endless or huge files: /dev/zero is not a regular file (was read forever), a FIFO is not opened for a
// writer that never comes, a file over 16 MiB is refused before it is read.
TEST(JsonInput, OnlyRegularFilesOfAtMost16MiB) {
  test::TempDir d;
  ASSERT_EQ(::mkfifo((d / "fifo.json").c_str(), 0600), 0);
  std::filesystem::create_directory(d / "folder.json");
  {
    std::ofstream f(d / "big.json");
    f << "{\"schema\": \"outbench-device/1\", \"pad\": \"" << std::string(kMaxJsonBytes, ' ') << "\"}";
  }
  expect_exit_2(
      {{"run --quick --device /dev/zero -o " + (d / "r"), "'/dev/zero': it is not a regular file"},
       {"run --quick --device " + (d / "fifo.json") + " -o " + (d / "r"), "fifo.json': it is not a regular"},
       {"report " + (d / "folder.json"), "folder.json': it is a folder"},
       {"run --quick --device " + (d / "big.json") + " -o " + (d / "r"), "16 MiB"},
       {"run --quick --device " + (d / std::string(300, 'a')) + " -o " + (d / "r"), "the file name is too long"},
       {"run --quick --device '' -o " + (d / "r"), "empty file name"}});
}

// Parser errors name the file, the line and column and the field: a number beyond a double (was exit 1 with
// nlohmann's bare message), a syntax error, a key given twice (nlohmann would keep the last one silently).
TEST(JsonInput, ParserErrorsNameFileLineColumnAndField) {
  test::TempDir d;
  std::string bench = good_bench().dump(2);
  const auto at = bench.find("\"max_vrms\": 10");
  ASSERT_NE(at, std::string::npos);
  write_file(d / "overflow.json", std::string(bench).replace(at, 14, "\"max_vrms\": 1e400"));
  const auto line = 1 + std::count(bench.begin(), bench.begin() + static_cast<long>(at), '\n');
  write_file(d / "syntax.json", "{\n  \"schema\": \"outbench-rules/1\",\n  \"headroom_db\": 6,,\n}\n");
  std::string dup = good_bench().dump();
  dup.replace(dup.find("\"ports\":{"), 9, "\"ports\":{\"line\":{},");
  write_file(d / "dup.json", dup);
  expect_exit_2(
      {{"run --quick --bench " + (d / "overflow.json") + " -o " + (d / "r"),
        "overflow.json' is not valid JSON: line " + std::to_string(line) + ", column "},
       {"run --quick --bench " + (d / "overflow.json") + " -o " + (d / "r"),
        ", near safety.max_vrms: number overflow parsing '1e400'"},
       {"run --quick --rules " + (d / "syntax.json") + " -o " + (d / "r"),
        "syntax.json' is not valid JSON: line 3, column 20, near headroom_db: syntax error"},
       {"run --quick --bench " + (d / "dup.json") + " -o " + (d / "r"), "ports.line: the key \"line\" appears twice"}});
}

// A misspelt key in a rules file is an error naming the key and the nearest known one (it was ignored and the
// default used silently), at the top level, in a line level and in a headphone load; exit 2.
TEST(RulesInput, MisspeltKeysAreNamedNotIgnored) {
  test::TempDir d;
  const auto rules =
      json::parse(test::slurp(std::filesystem::path(OUTBENCH_SOURCE_DIR) / "fixtures/verdicts/default.json"));
  json top = rules, level = rules, load = rules;
  top["max_conditional_shortfal_db"] = 3;
  level["line_levels"][1]["headroom"] = 20;
  load["headphone_loads"][0]["sensitivity_db_spl"] = 90;
  write_file(d / "top.json", top.dump());
  write_file(d / "level.json", level.dump());
  write_file(d / "load.json", load.dump());
  expect_exit_2({{"run --quick --rules " + (d / "top.json") + " -o " + (d / "r"),
                  "top.json: max_conditional_shortfal_db: unknown field (did you mean "
                  "\"max_conditional_shortfall_db\"?); known here: schema, description"},
                 {"run --quick --rules " + (d / "level.json") + " -o " + (d / "r"),
                  "level.json: line_levels[1].headroom: unknown field (did you mean \"headroom_db\"?)"},
                 {"run --quick --rules " + (d / "load.json") + " -o " + (d / "r"),
                  "load.json: headphone_loads[0].sensitivity_db_spl: unknown field (did you mean "
                  "\"sensitivity_db_spl_per_mw\"?)"}});
}

// The same for bench files and device models: a misspelt safety limit must never be a limit ignored (it
// was: "max_vrm" ran with the 8 Vrms default), nor a misspelt model parameter its default; exit 2.
TEST(BenchInput, MisspeltKeysAreNamedNotIgnored) {
  test::TempDir d;
  const std::filesystem::path src(OUTBENCH_SOURCE_DIR);
  const auto bench = json::parse(test::slurp(src / "fixtures/benches/simulated-usb.json"));
  const auto device = json::parse(test::slurp(src / "fixtures/devices/usb-interface.json"));
  json safety = bench, port = bench, load = bench, model = device, top = device;
  safety["safety"] = {{"max_vrm", 0.1}};
  port["ports"]["line"]["vrms_at_0dbf"] = 1.2;
  load["loads"] = json::array({{{"name", "open"}}, {{"name", "32"}, {"nominal_ohm", 32}}});
  model["ports"]["line"]["source_r_ohm"] = 50;
  top["clock_pm"] = 100;
  for (const auto& [name, j] : {std::pair{"safety", safety}, {"port", port}, {"load", load}})
    write_file(d / (std::string(name) + ".json"), j.dump());
  write_file(d / "model.json", model.dump());
  write_file(d / "top.json", top.dump());
  expect_exit_2({{"run --quick --bench " + (d / "safety.json") + " -o " + (d / "r"),
                  "safety.json: safety.max_vrm: unknown field (did you mean \"max_vrms\"?)"},
                 {"run --quick --bench " + (d / "port.json") + " -o " + (d / "r"),
                  "port.json: ports.line.vrms_at_0dbf: unknown field (did you mean \"vrms_at_0dbfs\"?)"},
                 {"run --quick --bench " + (d / "load.json") + " -o " + (d / "r"),
                  "load.json: loads[1].nominal_ohm: unknown field (did you mean \"nominal_ohms\"?)"},
                 {"run --quick --device " + (d / "model.json") + " -o " + (d / "r"),
                  "model.json: ports.line.source_r_ohm: unknown field (did you mean \"source_r_ohms\"?)"},
                 {"run --quick --device " + (d / "top.json") + " -o " + (d / "r"),
                  "top.json: clock_pm: unknown field (did you mean \"clock_ppm\"?)"}});
}

// Bench wiring mistakes: each names both entries.
TEST(BenchInput, WiringMistakesNameBothEntries) {
  test::TempDir d;
  struct Broken {
    std::string name, expect;
    std::function<void(json&)> edit;
  };
  const std::vector<Broken> broken = {
      {"shared_output", "ports.headphone and ports.line both use output channel 1",
       [](json& b) {
         b["ports"]["headphone"]["output_channels"] = {1, 2};
       }},
      {"output_twice",
       "ports.line.output_channels: channel 0 appears twice (output_channels[0] and output_channels[1])",
       [](json& b) {
         b["ports"]["line"]["output_channels"] = {0, 0};
       }},
      {"input_twice", "ports.line.input_channels: channel 1 appears twice (input_channels[0] and input_channels[1])",
       [](json& b) {
         b["ports"]["line"]["input_channels"] = {1, 1};
       }},
      {"two_open", "loads[0] and loads[6] are both named \"open\" (two open loads)",
       [](json& b) {
         b["loads"].push_back({{"name", "open"}});
       }},
      {"same_name", "loads[4] and loads[6] are both named \"32\"",
       [](json& b) {
         b["loads"].push_back({{"name", "32"}, {"nominal_ohms", 33}});
       }},
      {"rate_8k", "audio.rate_hz: expected a number from 44100 to 192000, got 8000",
       [](json& b) { b["audio"]["rate_hz"] = 8000; }},
      {"rate_384k", "audio.rate_hz: expected a number from 44100 to 192000, got 384000",
       [](json& b) { b["audio"]["rate_hz"] = 384000; }},
      {"rate_fraction", "audio.rate_hz: expected a whole number of Hz",
       [](json& b) { b["audio"]["rate_hz"] = 48000.5; }},
      {"switch_kind", "load_switch.type: expected \"simulated\", \"manual\", \"serial\" or \"command\", got \"relay\"",
       [](json& b) { b["load_switch"]["type"] = "relay"; }},
      {"lead_negative", "loads[5].lead_ohms: expected a number from 0 to 100, got -0.5",
       [](json& b) { b["loads"][5]["lead_ohms"] = -0.5; }},
      {"lead_text", "loads[4].lead_ohms", [](json& b) { b["loads"][4]["lead_ohms"] = "0.2 ohm"; }},
  };
  std::vector<Case> cases;
  for (const auto& c : broken) {
    auto b = good_bench();
    c.edit(b);
    write_file(d / (c.name + ".json"), b.dump());
    cases.push_back({"run --quick --bench " + (d / (c.name + ".json")) + " -o " + (d / "r"), c.expect});
  }
  expect_exit_2(cases);
  // The loopback inputs may be shared by the ports (the cable moves): the shipped bench does that.
  auto ok = good_bench();
  ASSERT_EQ(ok["ports"]["line"]["input_channels"], ok["ports"]["headphone"]["input_channels"]);
}

// A load's leads (bench lead_ohms) go into results.json per load; the simulated bench wires them in series.
TEST(BenchInput, LeadOhmsInTheResults) {
  test::TempDir d;
  auto b = good_bench();
  for (auto& l : b["loads"])
    if (l["name"] == "600") l["lead_ohms"] = 0.2;
  write_file(d / "b.json", b.dump());
  const auto r =
      run_cli("run --quick --quiet --ports line --loads open,600 --bench " + (d / "b.json") + " -o " + (d / "r"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto loads = json::parse(test::slurp(d / "r/results.json"))["ports"][0]["loads"];
  ASSERT_EQ(loads.size(), 2u);
  EXPECT_EQ(loads[0]["lead_ohms"], 0.0);
  EXPECT_EQ(loads[1]["lead_ohms"], 0.2);
}

// The edges of the supported run rates measure (the rejected 8 kHz and 384 kHz failed mid-run).
TEST(BenchInput, RunsAtTheEdgesOfTheRateRange) {
  test::TempDir d;
  for (int rate : {44100, 192000}) {
    auto b = good_bench();
    b["audio"]["rate_hz"] = rate;
    write_file(d / "b.json", b.dump());
    const auto r =
        run_cli("run --quick --quiet --ports line --loads open,600 --bench " + (d / "b.json") + " -o " + (d / "r"));
    ASSERT_EQ(r.exit_code, 0) << rate << ": " << r.err;
    EXPECT_EQ(json::parse(test::slurp(d / "r/results.json"))["conditions"]["rate_hz"], rate);
  }
}

// Sound files: say what is wrong with the file.
TEST(SoundInput, SaysWhatIsWrongWithTheFile) {
  test::TempDir d;
  std::filesystem::create_directory(d / "folder.wav");
  ASSERT_EQ(::mkfifo((d / "fifo.wav").c_str(), 0600), 0);
  write_file(d / "rate0.wav", wav_bytes(1, 1, 0, 16, std::string(200, '\0')));
  write_file(d / "ch0.wav", wav_bytes(1, 0, 48000, 16, std::string(200, '\0')));
  write_file(d / "empty.wav", "");
  write_file(d / "text.wav", "this is not a sound file");
  // A 1 kHz tone at 1e300 full scale (finite, but its power overflows) and one with a NaN.
  std::vector<double> tone(48000);
  for (std::size_t i = 0; i < tone.size(); ++i)
    tone[i] = 1e300 * std::cos(2 * std::numbers::pi * 1000.0 * static_cast<double>(i) / 48000.0);
  write_file(d / "huge.wav", wav_bytes(3, 1, 48000, 64, doubles(tone)));
  std::vector<double> nan_at_7(100, 0.25);
  nan_at_7[7] = std::nan("");
  write_file(d / "nan.wav", wav_bytes(3, 1, 48000, 64, doubles(nan_at_7)));
  auto thdn = [&](const std::string& f) { return "analyze thdn --input " + (d / f); };
  expect_exit_2({
      {thdn("folder.wav"), "folder.wav': it is a folder"},
      {thdn("fifo.wav"), "fifo.wav': it is not a regular file"},
      {thdn("rate0.wav"), "rate0.wav': its header says its sample rate is 0 Hz"},
      {thdn("ch0.wav"), "ch0.wav': its header says it has 0 channels"},
      {thdn("empty.wav"), "empty.wav': the file is empty"},
      {thdn("text.wav"), "text.wav': not a sound file outbench can read"},
      {thdn("huge.wav"), "channel 0, frame 0: the sample is 1e+300, more than 1000 times full scale"},
      {thdn("nan.wav"), "channel 0, frame 7: the sample is nan; a sound file must hold finite numbers"},
      {thdn(std::string(300, 'x') + ".wav"), "the file name is too long"},
  });
}

// Every numeric option: finite and in range, named in the message.
TEST(CliInput, NumericOptionsAreFiniteAndInRange) {
  test::TempDir d;
  ASSERT_EQ(run_cli("generate tone -o " + (d / "t.wav")).exit_code, 0);
  const std::string t = d / "t.wav", o = " -o " + (d / "x.wav");
  const std::string imp = "analyze impedance --reference " + t + " --open " + t + " --loaded " + t;
  const std::string missing_bench = " --bench " + (d / "none.json");
  expect_exit_2({
      {imp + " --load-ohms inf", "--load-ohms inf: must be a finite number"},
      {imp + " --load-ohms nan", "--load-ohms nan"},
      {imp + " --load-ohms 32 --input-ohms inf", "--input-ohms inf"},
      {"analyze thdn --input " + t + " --band 20:100000", "--band 20:100000 ends above Nyquist (24000"},
      {"analyze thdn --input " + t + " --band 20:inf", "--band '20:inf' is not a band"},
      {"analyze thdn --input " + t + " --fundamental-hz inf", "--fundamental-hz"},
      {"generate tone --level-dbfs -inf" + o, "--level-dbfs -inf: must be a finite number from -200 to 0 dBFS"},
      {"generate tone --level-dbfs nan" + o, "--level-dbfs nan"},
      {"generate sweep --level-dbfs -inf" + o, "--level-dbfs -inf"},
      {"generate tone --seconds inf" + o, "--seconds inf"},
      {"generate tone --seconds 0" + o, "--seconds 0: must be from 0.001 to 3600 s"},
      {"generate tone --fade-s nan" + o, "--fade-s nan"},
      {"generate tone --fade-s -1" + o, "--fade-s -1: must be from 0 to 0.5 s"},
      {"generate tone --freq-hz inf" + o, "--freq-hz inf"},
      {"generate tone --rate 44100.5" + o, "--rate 44100.5"},
      {"generate tone --rate inf" + o, "--rate inf"},
      {"generate tone --channels 0" + o, "--channels 0"},
      {"generate sweep --start-hz nan" + o, "--start-hz nan"},
      {"generate sweep --stop-hz inf" + o, "--stop-hz inf"},
      {"generate tone --seconds 3600 --rate 384000 --channels 64" + o, "at most 100 million"},
      {"run --seed -1", "--seed '-1': must be a whole number from 0 to 18446744073709551615"},
      {"run --seed 1.5", "--seed '1.5'"},
      {"run --seed 18446744073709551616", "--seed"},
      {"run --reference-dbfs nan", "--reference-dbfs nan"},
      {"calibrate output --level-dbfs -inf" + missing_bench, "--level-dbfs -inf"},
      {"calibrate output --measured-vrms inf" + missing_bench, "--measured-vrms inf"},
      {"calibrate output --measured-vrms 1,23" + missing_bench, "measured-vrms"},
      {"devices --inputs -1", "--inputs -1"},
  });
  EXPECT_FALSE(std::filesystem::exists(d / "x.wav"));
  // The default AES17 band ends at Nyquist for a file below 40 kHz (it is not an error there).
  ASSERT_EQ(run_cli("generate tone --rate 8000 -o " + (d / "t8k.wav")).exit_code, 0);
  const auto r = run_cli("analyze thdn --json --input " + (d / "t8k.wav"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["band_hz"], json::array({20.0, 4000.0}));
}

// Arguments: usage on stderr, no stray word ignored, no empty or repeated list entries, no success message
// before a failed write.
TEST(CliInput, ArgumentsAreNeverIgnored) {
  test::TempDir d;
  auto r = run_cli("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("usage: outbench COMMAND"), std::string::npos) << r.err;
  std::filesystem::create_directory(d / "dir");
  std::string many = "line";
  for (int i = 0; i < 20000; ++i) many += ",line";
  expect_exit_2({
      {"run extra --quick -o " + (d / "r"), "unexpected argument 'extra'"},
      {"generate tone extra -o " + (d / "t.wav"), "unexpected argument 'extra'"},
      {"analyze thdn --input x.wav extra", "unexpected argument 'extra'"},
      {"calibrate output extra --bench x.json", "unexpected argument 'extra'"},
      {"run --ports '' -o " + (d / "r"), "--ports is empty"},
      {"run --loads '' -o " + (d / "r"), "--loads is empty"},
      {"run --loads open,,32 -o " + (d / "r"), "--loads 'open,,32' has an empty entry"},
      {"run --ports " + many + " -o " + (d / "r"), "--ports: 'line' is given twice"},
      {"run --loads open,32,open -o " + (d / "r"), "--loads: 'open' is given twice"},
      {"generate tone -o " + (d / "dir"), "is a folder: give the name of the WAV file"},
  });
  EXPECT_FALSE(std::filesystem::exists(d / "r"));
  EXPECT_FALSE(std::filesystem::exists(d / "t.wav"));
  r = run_cli("generate tone -o " + (d / "dir"));
  EXPECT_EQ(r.err.find("tone 997 Hz"), std::string::npos) << r.err;  // no success line before the error
  r = run_cli("generate tone -o " + (d / "t.wav"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("tone 997 Hz"), std::string::npos) << r.err;  // ... and one after a success
}

// The meter reading typed at calibrate's prompt is read whole: "1,23" is an error, not 1.0 (a 23 % error).
TEST(CliInput, TypedCalibrationVoltageIsReadWhole) {
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "script(1) is needed for a terminal";
  test::TempDir d;
  write_file(d / "bench.json", good_bench().dump(2));
  const std::string before = test::slurp(d / "bench.json");
  auto typed = [&](const std::string& line) {
    // script(1) gives outbench a terminal on stdin, as a person at the meter would have; its output (the
    // prompt and the messages) comes back through the terminal.
    const std::string cmd = "printf '" + line + "\\n' | timeout 60 script -qec \"" + std::string(OUTBENCH_EXE) +
                            " calibrate output --port line --level-dbfs -20 --bench " + (d / "bench.json") +
                            "\" /dev/null >" + (d / "typed.txt") + " 2>&1";
    const int status = std::system(cmd.c_str());
    test::CliResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = test::slurp(d / "typed.txt");
    return r;
  };
  for (const std::string bad : {"1,23", "1.23V", "inf", ""}) {
    const auto r = typed(bad);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.out << r.err;
    EXPECT_NE(r.out.find("'" + bad + "' is not a voltage"), std::string::npos) << bad << ": " << r.out;
    EXPECT_EQ(test::slurp(d / "bench.json"), before) << bad;
  }
  const auto r = typed("0.39");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NEAR(json::parse(test::slurp(d / "bench.json"))["ports"]["line"]["vrms_at_0dbfs"].get<double>(), 3.9, 1e-9);
}

}  // namespace
}  // namespace outbench
