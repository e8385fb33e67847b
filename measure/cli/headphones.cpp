// --headphones for `outbench run`, and `outbench analyze headphones results.json`: the responses predicted
// with real headphones from a run's measured output impedance (measure/headphone_inputs.hpp), offline.
#include <cstdio>
#include <iostream>

#include "measure/cli/cli.hpp"
#include "measure/config/headphones_config.hpp"
#include "measure/config/json_reader.hpp"
#include "measure/config/rules_config.hpp"
#include "measure/errors.hpp"
#include "measure/headphone_inputs.hpp"
#include "reports/analysis_json.hpp"

namespace po = boost::program_options;

namespace outbench::cli {

namespace {

// The complex impedance points of a results file (ports[].output_impedance.points[], channels[].impedance[]).
std::vector<ImpedancePoint> z_points(const JsonReader& arr) {
  arr.require_array();
  std::vector<ImpedancePoint> out;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const auto p = arr.at(i);
    out.push_back({p.number("freq_hz"), {p.number("r_ohms"), p.number("x_ohms")}, p.number("u95_ohms", 0.0)});
  }
  return out;
}

// The ports of a results file with what the predictions need: name, presence, each channel's |Zout|.
Results read_impedances(const std::string& path) {
  const auto j = read_json_file(path);
  const JsonReader r(j, path);
  const auto ports = r.at("ports");
  ports.require_array();
  Results res;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const auto p = ports.at(i);
    PortResult pr;
    pr.name = p.string("name");
    pr.present = p.boolean("present", true);
    if (pr.present && p.has("output_impedance")) pr.impedance = z_points(p.at("output_impedance").at("points"));
    if (pr.present && p.has("channels")) {
      const auto ch = p.at("channels");
      ch.require_array();
      for (std::size_t c = 0; c < ch.size(); ++c) {
        ChannelImpedance ci;
        ci.channel = ch.at(c).integer_in("channel", 0, 63);
        ci.impedance = z_points(ch.at(c).at("impedance"));
        pr.channels.push_back(std::move(ci));
      }
    }
    res.ports.push_back(pr);
  }
  return res;
}

}  // namespace

std::vector<HeadphoneModel> headphones_option(const std::string* list) {
  return list ? load_headphone_list(parse_list(*list, "--headphones"))
              : load_headphone_folder(fixtures_dir() / "headphones");
}

int analyze_headphones_command(const Args& args) {
  std::string input, list, rules_file;
  po::options_description desc("analyze headphones options");
  desc.add_options()("help,h", "show this help")("input", po::value(&input)->required(), "results.json of a run")(
      "headphones", po::value(&list),
      "headphone files FILE[,FILE] (.json network, .csv curve; default: the shipped set)")(
      "rules", po::value(&rules_file),
      "verdict rules: the response tolerance (default fixtures/verdicts/default.json)")(
      "json", "print one JSON document on stdout");
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  const std::string usage =
      "outbench analyze headphones results.json [--headphones FILE[,FILE]] [--rules FILE] [--json]";
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: " << usage << "\n" << desc << "\n" << examples_for(usage);
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + "\nusage: " + usage);
  }
  const auto set = headphones_option(vm.count("headphones") ? &list : nullptr);
  const VerdictRules rules =
      load_rules(vm.count("rules") ? std::filesystem::path(rules_file) : fixtures_dir() / "verdicts" / "default.json");
  Results res = read_impedances(input);
  predict_headphones(res, set);
  nlohmann::json out = {{"response_tolerance_db", rules.response_tolerance_db}, {"ports", nlohmann::json::array()}};
  for (const auto& p : res.ports) {
    if (!p.present) continue;
    nlohmann::json hs = nlohmann::json::array();
    if (!vm.count("json")) std::printf("%s out:\n", p.name.c_str());
    for (const auto& h : p.headphones) {
      hs.push_back(headphone_prediction_json(h.prediction));
      hs.back()["channels"] = nlohmann::json::array();
      double worst = h.prediction.max_deviation_db.value_or(-1);
      for (const auto& c : h.channels) {
        hs.back()["channels"].push_back({{"channel", c.channel}});
        if (c.max_deviation_db) {
          hs.back()["channels"].back()["max_deviation_20_20k_db"] = *c.max_deviation_db;
          worst = std::max(worst, *c.max_deviation_db);
        }
      }
      if (vm.count("json")) continue;
      if (worst < 0) {
        std::printf("  %-45s not predicted: %s\n", h.prediction.name.c_str(), h.prediction.problem.c_str());
        continue;
      }
      std::printf(
          "  %-45s max deviation %.2f dB re 1 kHz (%s %.2f dB), level at 1 kHz %+.2f dB, damping factor >= %.3g\n",
          h.prediction.name.c_str(), worst, worst <= rules.response_tolerance_db ? "within" : "OUTSIDE",
          rules.response_tolerance_db, h.prediction.level_1k_db.value_or(0),
          h.prediction.min_damping_factor.value_or(0));
    }
    out["ports"].push_back({{"name", p.name}, {"headphones", hs}});
  }
  if (vm.count("json")) std::cout << out.dump(1) << "\n";
  return 0;
}

}  // namespace outbench::cli
