// Reports and files: results files the report reads are validated field by field; strings cannot break out
// of the page's data block and the page's scripts run under a hash-based Content-Security-Policy; a run
// writes results.json and report.html both or neither, and removes the temporary files of killed runs.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "reports/sha256.hpp"
#include "run_cli.hpp"

namespace outbench {
namespace {

using nlohmann::json;
using test::run_cli;

// One quick run shared by the tests that only read its results.
class ReportFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    const auto r = run_cli("run --quick --quiet --ports line --loads open,10k -o " + (*dir_ / "rep"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    results_ = new json(json::parse(test::slurp(*dir_ / "rep/results.json")));
  }
  static void TearDownTestSuite() {
    delete results_;
    delete dir_;
  }
  static test::TempDir* dir_;
  static json* results_;

  // Index of the first valid load of ports[0].
  static std::size_t valid_load() {
    const auto& loads = (*results_)["ports"][0]["loads"];
    for (std::size_t i = 0; i < loads.size(); ++i)
      if (loads[i]["valid"].get<bool>()) return i;
    ADD_FAILURE() << "no valid load";
    return 0;
  }

  // `outbench report` of a modified copy: exit 2, nothing written, the error names `field`.
  static void expect_rejected(const json& bad, const std::string& field, const std::string& expected) {
    const std::string in = *dir_ / "bad.json", out = *dir_ / "bad.html";
    std::filesystem::remove(out);
    { std::ofstream(in) << bad.dump(); }
    const auto r = run_cli("report " + in + " -o " + out);
    EXPECT_EQ(r.exit_code, 2) << field << ": " << r.err;
    EXPECT_NE(r.err.find(in + ": " + field + ": expected " + expected), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << field;
    // compare validates both files the same way
    const auto c = run_cli("compare " + (*dir_ / "rep/results.json") + " " + in + " -o " + out);
    EXPECT_EQ(c.exit_code, 2) << field << ": " << c.err;
    EXPECT_NE(c.err.find(in + ": " + field + ": expected " + expected), std::string::npos) << c.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << field;
  }
};
test::TempDir* ReportFiles::dir_ = nullptr;
json* ReportFiles::results_ = nullptr;

// The case: a one-element band made the report read past the array (heap overflow, exit 0 in release
// builds). Every field the report reads is checked the same way, with its path in the error.
TEST_F(ReportFiles, ReportAndCompareRejectMalformedFieldsNamingThem) {
  ASSERT_EQ(run_cli("report " + (*dir_ / "rep/results.json") + " -o " + (*dir_ / "ok.html")).exit_code, 0);
  const std::size_t li = valid_load();
  const std::string load = "ports[0].loads[" + std::to_string(li) + "]";
  json bad = *results_;
  bad["conditions"]["band_hz"] = {20};
  expect_rejected(bad, "conditions.band_hz", "[low, high]");

  bad = *results_;
  bad["conditions"]["band_hz"] = "20-20000";
  expect_rejected(bad, "conditions.band_hz", "an array");

  bad = *results_;
  bad["conditions"]["rate_hz"] = "48000";
  expect_rejected(bad, "conditions.rate_hz", "a number");

  bad = *results_;
  bad["conditions"]["seed"] = 1.5e300;
  expect_rejected(bad, "conditions.seed", "an integer >= 0");

  bad = *results_;
  bad["ports"][0]["loads"][li]["response"]["points"][5]["relative_db"] = "x";
  expect_rejected(bad, load + ".response.points[5].relative_db", "a number or null");

  bad = *results_;
  bad["ports"][0]["loads"][li]["response"]["points"][5].erase("freq_hz");
  expect_rejected(bad, load + ".response.points[5].freq_hz", "a number, but it is missing");

  bad = *results_;  // the table reads every load at the first load's frequencies
  bool seen_first = false;
  std::size_t second = 0;
  for (std::size_t i = 0; i < bad["ports"][0]["loads"].size(); ++i)
    if (bad["ports"][0]["loads"][i]["valid"].get<bool>()) {
      if (seen_first) second = i;
      seen_first = true;
    }
  ASSERT_GT(second, li) << "the run must have two valid loads";
  bad["ports"][0]["loads"][second]["response"]["points"].erase(10);
  expect_rejected(bad, "ports[0].loads[" + std::to_string(second) + "].response.points",
                  std::to_string((*results_)["ports"][0]["loads"][li]["response"]["points"].size()) + " points like " +
                      load + ".response.points");

  bad = *results_;
  bad["ports"][0]["loads"][li].erase("thdn_reference");
  expect_rejected(bad, load + ".thdn_reference", "an object, but it is missing");

  bad = *results_;
  bad["ports"][0]["loads"][li]["max_level"]["at_1pct"]["found"] = "yes";
  expect_rejected(bad, load + ".max_level.at_1pct.found", "true or false");

  bad = *results_;
  bad["ports"][0]["loads"][li]["spectrum"]["points_per_octave"] = 0;
  expect_rejected(bad, load + ".spectrum.points_per_octave", "a number > 0");

  bad = *results_;
  bad["ports"][0]["output_impedance"]["points"][3]["z_ohms"] = nullptr;
  expect_rejected(bad, "ports[0].output_impedance.points[3].z_ohms", "a number");

  bad = *results_;
  bad["ports"][0]["present"] = "true";
  expect_rejected(bad, "ports[0].present", "true or false");

  bad = *results_;
  bad["verdicts"][0]["rules"] = 3;
  expect_rejected(bad, "verdicts[0].rules", "an array");

  std::size_t vi = 0;  // a verdict with rules
  while (vi + 1 < results_->at("verdicts").size() && results_->at("verdicts")[vi]["rules"].empty()) ++vi;
  ASSERT_FALSE(results_->at("verdicts")[vi]["rules"].empty());
  bad = *results_;
  bad["verdicts"][vi]["rules"][0].erase("measured");
  expect_rejected(bad, "verdicts[" + std::to_string(vi) + "].rules[0].measured", "a number or null, but it is missing");

  bad = *results_;
  bad["warnings"] = {"fine", 7};
  expect_rejected(bad, "warnings[1]", "a string");
}

std::string hex(const std::array<std::uint8_t, 32>& d) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (auto b : d) (s += k[b >> 4]) += k[b & 15];
  return s;
}

// FIPS 180-4 / NIST example vectors (one block, two blocks, the padding on its own block, a million bytes)
// and RFC 4648 base64 vectors.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(
      hex(sha256(
          "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrs"
          "tnopqrstu")),
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(hex(sha256(std::string(1000000, 'a'))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  const std::string f = "foobar";
  const auto* p = reinterpret_cast<const std::uint8_t*>(f.data());
  EXPECT_EQ(base64(p, 0), "");
  EXPECT_EQ(base64(p, 1), "Zg==");
  EXPECT_EQ(base64(p, 2), "Zm8=");
  EXPECT_EQ(base64(p, 3), "Zm9v");
  EXPECT_EQ(base64(p, 6), "Zm9vYmFy");
  EXPECT_EQ(csp_sha256("abc"), "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='");
}

// A device name and a warning that would end the data block early ("</script>") or make the HTML parser
// swallow the page's scripts ("<!--<script>") stay inside the JSON; the CSP lists the hash of each
// executable inline script and no 'unsafe-inline'.
TEST_F(ReportFiles, HostileStringsStayInTheDataBlockAndScriptsRunByHash) {
  const std::string evil = "<!--<script> </script><script>alert(1)</script><!-- <SCRIPT";
  json r = *results_;
  r["device"]["name"] = evil;
  r["warnings"].push_back("warning " + evil);
  const std::string in = *dir_ / "hostile.json";
  { std::ofstream(in) << r.dump(); }
  for (const std::string cmd :
       {"report " + in + " -o " + (*dir_ / "hostile.html"),
        "compare " + (*dir_ / "rep/results.json") + " " + in + " -o " + (*dir_ / "hostile.html")}) {
    std::filesystem::remove(*dir_ / "hostile.html");
    const auto res = run_cli(cmd);
    ASSERT_EQ(res.exit_code, 0) << res.err;
    const std::string html = test::slurp(*dir_ / "hostile.html");
    const std::string open = "<script type=\"application/json\" id=\"outbench-data\">";
    const auto b = html.find(open);
    ASSERT_NE(b, std::string::npos);
    const auto e = html.find("</script>", b);
    ASSERT_NE(e, std::string::npos);
    const std::string data = html.substr(b + open.size(), e - b - open.size());
    for (const char* bad : {"<!--", "<script", "<SCRIPT", "</script", "<"})
      EXPECT_EQ(data.find(bad), std::string::npos) << bad;
    const json d = json::parse(data);  // and the strings survive unchanged
    const json& got = d.contains("results") ? d["results"] : d["b"];
    EXPECT_EQ(got["device"]["name"], evil);
    EXPECT_EQ(got["warnings"].back(), "warning " + evil);
    // Outside the data block the strings are HTML-escaped: the page has exactly its own four script elements.
    std::size_t n_scripts = 0;
    for (auto at = html.find("<script"); at != std::string::npos; at = html.find("<script", at + 1)) ++n_scripts;
    EXPECT_EQ(n_scripts, 4u);
    // CSP: the hash of each executable inline script, nothing else.
    const std::string meta = "http-equiv=\"Content-Security-Policy\" content=\"";
    const auto m = html.find(meta);
    ASSERT_NE(m, std::string::npos);
    const std::string csp = html.substr(m + meta.size(), html.find('"', m + meta.size()) - m - meta.size());
    const auto ss = csp.find("script-src ");
    ASSERT_NE(ss, std::string::npos) << csp;
    const std::string script_src = csp.substr(ss, csp.find(';', ss) - ss);
    EXPECT_EQ(script_src.find("unsafe-inline"), std::string::npos) << csp;
    std::size_t n_inline = 0, listed = 0;
    for (auto at = html.find("<script>"); at != std::string::npos; at = html.find("<script>", at + 1)) {
      const auto end = html.find("</script>", at);
      ASSERT_NE(end, std::string::npos);
      const std::string text = html.substr(at + 8, end - at - 8);
      ++n_inline;
      const std::string h = csp_sha256(text);
      EXPECT_NE(script_src.find(h), std::string::npos)
          << "script " << n_inline << " (" << text.substr(0, 60) << "...) is not allowed by " << script_src;
      for (auto k = script_src.find("'sha256-"); k != std::string::npos; k = script_src.find("'sha256-", k + 1))
        listed += script_src.compare(k, h.size(), h) == 0;
    }
    EXPECT_EQ(n_inline, 3u);
    EXPECT_EQ(listed, 3u);  // one hash per script, no other source
    std::size_t n_hashes = 0;
    for (auto k = script_src.find("'sha256-"); k != std::string::npos; k = script_src.find("'sha256-", k + 1))
      ++n_hashes;
    EXPECT_EQ(n_hashes, 3u) << script_src;
  }
}

}  // namespace
}  // namespace outbench
