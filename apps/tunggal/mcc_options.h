// `--param NAME=VALUE` (MCC) and `--extract-param NAME=VALUE` (extraction),
// repeatable: parameter overrides for the verbs that extract and compare
// fingerprints, so that tuning needs no rebuild.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "tunggal/comparison.h"
#include "tunggal/error.h"
#include "tunggal/extraction.h"
#include "tunggal/text.h"

namespace tunggal::cli {

inline std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

inline void add_mcc_param_option(CLI::App* cmd, std::vector<std::string>& overrides) {
  cmd->add_option("--param", overrides, "Override an MCC parameter, NAME=VALUE (" + joined(mcc_param_names()) + ")");
}

inline void add_extraction_param_option(CLI::App* cmd, std::vector<std::string>& overrides) {
  cmd->add_option("--extract-param", overrides,
                  "Override an extraction parameter, NAME=VALUE (" + joined(extraction_param_names()) + ")");
}

// Applies NAME=VALUE overrides through `set(name, value)`.
template <class Set>
void apply_overrides(const std::vector<std::string>& overrides, const std::string& option, Set set) {
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos) throw Error(ErrorCode::invalid_argument, option + " wants NAME=VALUE, got '" + o + "'");
    double value = 0;
    try {
      value = parse_number(std::string_view(o).substr(eq + 1), option + " " + o.substr(0, eq));
    } catch (const Error& e) {
      throw Error(ErrorCode::invalid_argument, e.what());
    }
    set(o.substr(0, eq), value);
  }
}

inline MccParams mcc_params_from(const std::vector<std::string>& overrides) {
  MccParams p;
  apply_overrides(overrides, "--param", [&](const std::string& name, double v) { set_mcc_param(p, name, v); });
  return p;
}

inline ExtractionParams extraction_params_from(const std::vector<std::string>& overrides) {
  ExtractionParams p;
  apply_overrides(overrides, "--extract-param",
                  [&](const std::string& name, double v) { set_extraction_param(p, name, v); });
  return p;
}

}  // namespace tunggal::cli
