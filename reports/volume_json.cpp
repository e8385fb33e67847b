#include "reports/volume_json.hpp"

#include <cmath>

#include "reports/json_put.hpp"

namespace outbench {

using nlohmann::json;

json volume_json(const VolumeTracking& v) {
  json steps = json::array();
  for (const auto& st : v.steps) {
    json chans = json::array();
    for (const auto& c : st.channels) {
      json jc = {{"channel", c.channel}};
      put_optional(jc, "level_dbfs", c.level_dbfs);
      put_optional(jc, "gain_error_db", c.gain_error_db);
      put_optional(jc, "thdn_db", c.thdn_db);
      put_optional(jc, "noise_dbfs", c.noise_dbfs);
      put_optional(jc, "noise_dbv", c.noise_dbv);
      chans.push_back(jc);
    }
    json js = {{"setting_db", st.setting_db},
               {"attenuation_db", st.attenuation_db},
               {"drive_dbfs", st.drive_dbfs},
               {"channels", chans}};
    put_optional(js, "balance_db", st.balance_db);
    steps.push_back(js);
  }
  json j = {{"load", v.load},
            {"top_db", v.top_db},
            {"run_db", v.run_db},
            {"balance_limit_db", v.balance_limit_db},
            {"steps", steps}};
  put_optional(j, "balanced_down_to_db", v.balanced_down_to_db);
  return j;
}

}  // namespace outbench
