#include "measure/config/rules_config.hpp"

#include "analysis/units.hpp"
#include "measure/config/json_reader.hpp"

namespace outbench {

VerdictRules load_rules(const std::filesystem::path& path) {
  const auto j = read_json_file(path);
  JsonReader r(j, path.string());
  r.require_object();
  if (r.string("schema") != "outbench-rules/1") r.fail("schema", "\"outbench-rules/1\"");
  r.only_keys({"schema", "description", "line_levels", "line_load_ohms", "headroom_db", "max_conditional_shortfall_db",
               "max_zout_line_ohms", "response_tolerance_db", "max_thdn_db", "max_thdn_vs_line_out_db",
               "min_dynamic_range_db", "max_balance_db", "damping_factor", "target_spl_db", "headphone_loads",
               "max_thump_mv"});
  VerdictRules v;
  if (r.has("line_levels")) {
    const auto ll = r.at("line_levels");
    ll.require_array();
    v.line_levels.clear();
    for (std::size_t i = 0; i < ll.size(); ++i) {
      const auto e = ll.at(i);
      e.require_object();
      e.only_keys({"name", "level_dbv", "level_dbu", "primary", "headroom_db"});
      LineLevel l;
      l.name = e.string("name");
      if (e.has("level_dbv"))
        l.level_dbv = e.number_in("level_dbv", -60, 40);
      else if (e.has("level_dbu"))
        l.level_dbv = dbv_from_vrms(vrms_from_dbu(e.number_in("level_dbu", -60, 40)));
      else
        e.fail("level_dbv", "a level in dBV (or level_dbu in dBu)");
      l.primary = e.boolean("primary", i == 0);
      if (e.has("headroom_db")) l.headroom_db = e.number_in("headroom_db", 0, 60);
      v.line_levels.push_back(l);
    }
    if (v.line_levels.empty()) ll.fail("", "at least one line level");
  }
  v.line_load_ohms = r.number_in("line_load_ohms", 100, 1e7, v.line_load_ohms);
  v.headroom_db = r.number_in("headroom_db", 0, 60, v.headroom_db);
  v.max_conditional_shortfall_db = r.number_in("max_conditional_shortfall_db", 0, 60, v.max_conditional_shortfall_db);
  v.max_zout_line_ohms = r.number_in("max_zout_line_ohms", 0, 1e6, v.max_zout_line_ohms);
  v.response_tolerance_db = r.number_in("response_tolerance_db", 0, 20, v.response_tolerance_db);
  v.max_thdn_db = r.number_in("max_thdn_db", -200, 0, v.max_thdn_db);
  v.max_thdn_vs_line_out_db = r.number_in("max_thdn_vs_line_out_db", 0, 100, v.max_thdn_vs_line_out_db);
  v.min_dynamic_range_db = r.number_in("min_dynamic_range_db", 0, 200, v.min_dynamic_range_db);
  v.max_balance_db = r.number_in("max_balance_db", 0, 20, v.max_balance_db);
  v.damping_factor = r.number_in("damping_factor", 1, 1000, v.damping_factor);
  v.target_spl_db = r.number_in("target_spl_db", 60, 140, v.target_spl_db);
  v.max_thump_mv = r.number_in("max_thump_mv", 0, 1e4, v.max_thump_mv);
  if (r.has("headphone_loads")) {
    const auto hl = r.at("headphone_loads");
    hl.require_array();
    v.headphone_loads.clear();
    for (std::size_t i = 0; i < hl.size(); ++i) {
      const auto e = hl.at(i);
      e.require_object();
      e.only_keys({"load_ohms", "sensitivity_db_spl_per_mw"});
      v.headphone_loads.push_back(
          {e.number_in("load_ohms", 1, 1e5), e.number_in("sensitivity_db_spl_per_mw", 60, 140)});
    }
  }
  return v;
}

}  // namespace outbench
