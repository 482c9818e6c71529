// A parameters struct's tunable fields by name, for tuning tools (`--param
// NAME=VALUE`): MccParams and ExtractionParams use the same table and the
// same refusals (unknown name, out of range, a fraction for a whole number).
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tunggal/error.h"

namespace tunggal::detail {

template <class P>
struct ParamField {
  const char* name;
  double P::*real;  // one of the two is set
  int P::*integer;
  double min, max;
};

template <class P, std::size_t N>
void set_param(P& p, const ParamField<P> (&fields)[N], std::string_view what, std::string_view name,
               double value) {
  for (const auto& f : fields) {
    if (name != f.name) continue;
    if (!(value >= f.min && value <= f.max)) {
      throw Error(ErrorCode::invalid_argument, std::string(what) + " parameter " + std::string(name) + " = " +
                                                   std::to_string(value) + " is outside [" +
                                                   std::to_string(f.min) + ", " + std::to_string(f.max) + "]");
    }
    if (f.real != nullptr) {
      p.*f.real = value;
    } else {
      if (value != std::floor(value))
        throw Error(ErrorCode::invalid_argument,
                    std::string(what) + " parameter " + std::string(name) + " takes a whole number");
      p.*f.integer = static_cast<int>(value);
    }
    return;
  }
  throw Error(ErrorCode::invalid_argument, "unknown " + std::string(what) + " parameter '" + std::string(name) + "'");
}

template <class P, std::size_t N>
std::vector<std::string> param_names(const ParamField<P> (&fields)[N]) {
  std::vector<std::string> names;
  for (const auto& f : fields) names.emplace_back(f.name);
  return names;
}

}  // namespace tunggal::detail
