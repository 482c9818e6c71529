// `--param NAME=VALUE` (repeatable): MCC parameter overrides for the verbs
// that compare fingerprints, so that tuning needs no rebuild.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "tunggal/comparison.h"
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
    double value = 0;
    std::size_t used = 0;
    try {
      if (eq == std::string::npos) throw std::invalid_argument("no =");
      value = std::stod(o.substr(eq + 1), &used);
    } catch (const std::exception&) {
      throw Error(ErrorCode::invalid_argument, "--param wants NAME=VALUE, got '" + o + "'");
    }
    if (used != o.size() - eq - 1)
      throw Error(ErrorCode::invalid_argument, "--param wants NAME=VALUE, got '" + o + "'");
    set_mcc_param(p, o.substr(0, eq), value);
  }
  return p;
}

}  // namespace tunggal::cli
