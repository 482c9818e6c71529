// JSON the tool writes, through nlohmann::json (escaping and numbers done
// by the library): files are pretty-printed; line interfaces (identify,
// dedup) are one object per line with keys in the order given and ", " /
// ": " separators, as their interface shows them.
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace tunggal::cli {

using Json = nlohmann::ordered_json;

inline std::string json_line(const Json& j) {
  if (j.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, value] : j.items()) {
      out += (first ? "" : ", ") + Json(key).dump() + ": " + json_line(value);
      first = false;
    }
    return out + "}";
  }
  if (j.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < j.size(); ++i) out += (i ? ", " : "") + json_line(j[i]);
    return out + "]";
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A score as the line interfaces print it: two decimals.
inline double two_decimals(double v) { return std::round(v * 100.0) / 100.0; }

}  // namespace tunggal::cli
