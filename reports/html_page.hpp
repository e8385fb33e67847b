// Internal to reports/: the pieces report.html and compare.html share (reports/html_report.cpp): HTML
// escaping, the number format of the server-rendered tables ("—" for a missing value, never "-0.00"), the
// page's head (Content-Security-Policy, styles) and tail (embedded data and scripts), verdict words and the
// run label. Not a public interface.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace outbench::html {

std::string esc(const std::string& s);
std::string num(const nlohmann::json& v, int digits);
std::string head(const std::string& title);
std::string tail(const nlohmann::json& data);
std::string verdict_grade(const nlohmann::json& v);
std::string verdict_word(const nlohmann::json& v);
const nlohmann::json* find_port(const nlohmann::json& r, const std::string& name);
std::string run_label(const nlohmann::json& r);

}  // namespace outbench::html
