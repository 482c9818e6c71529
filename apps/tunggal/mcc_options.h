// `--param NAME=VALUE` (repeatable): MCC parameter overrides for the verbs
// that compare fingerprints, so that tuning needs no rebuild.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "tunggal/comparison.h"
#include "tunggal/text.h"
#include "tunggal/error.h"

namespace tunggal::cli {

inline void add_mcc_param_option(CLI::App* cmd, std::vector<std::string>& overrides) {
  std::string names;
  for (const auto& n : mcc_param_names()) names += (names.empty() ? "" : ", ") + n;
  cmd->add_option("--param", overrides, "Override an MCC parameter, NAME=VALUE (" + names + ")");
}

inline MccParams mcc_params_from(const std::vector<std::string>& overrides) {
  MccParams p;
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos) throw Error(ErrorCode::invalid_argument, "--param wants NAME=VALUE, got '" + o + "'");
    double value = 0;
    try {
      value = parse_number(std::string_view(o).substr(eq + 1), "--param " + o.substr(0, eq));
    } catch (const Error& e) {
      throw Error(ErrorCode::invalid_argument, e.what());
    }
    set_mcc_param(p, o.substr(0, eq), value);
  }
  return p;
}

}  // namespace tunggal::cli
