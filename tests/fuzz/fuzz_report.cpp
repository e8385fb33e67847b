// libFuzzer target: results.json through report.html and compare.html rendering (as `outbench report` and
// `outbench compare` do: read_json_file, then render).
#include "fuzz_common.hpp"
#include "measure/config/json_reader.hpp"
#include "reports/html_report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = outbench::fuzz::json_input(data, size, "results.json",
                                               OUTBENCH_SOURCE_DIR "/tests/fuzz/seeds/report/results-trimmed.json");
  outbench::fuzz::expect_clean([&] {
    const auto j = outbench::read_json_file(path);
    outbench::render_report_html(j, path.string());
    outbench::render_compare_html(j, "a.json", j, "b.json");
  });
  return 0;
}
