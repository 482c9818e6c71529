// libFuzzer target for the text parsers: the first byte picks one ('c': a
// score calibration table, 'v': a CSV line and checked numbers, else a face
// model description).
// Contract: malformed text raises tunggal::Error only; a table that parses
// re-parses from its own text form to the same name, source and points; CSV
// fields written back with csv_field split to the same fields.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>
#include <string_view>

#include "tunggal/calibration.h"
#include "tunggal/error.h"
#include "tunggal/face.h"
#include "tunggal/text.h"

using namespace tunggal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 'c') {
    ScoreCalibration t;
    try {
      t = ScoreCalibration::parse(text);
    } catch (const Error&) {
      return 0;
    }
    try {
      const auto again = ScoreCalibration::parse(t.to_text());
      if (again.raw_points().size() != t.raw_points().size() || again.name() != t.name() ||
          again.source() != t.source())
        std::abort();
      const auto close = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a)); };
      for (std::size_t i = 0; i < t.raw_points().size(); ++i)
        if (!close(again.raw_points()[i], t.raw_points()[i]) || !close(again.score_points()[i], t.score_points()[i]))
          std::abort();
      for (double raw : {-1.0, 0.0, 0.01, 0.5, 1.0}) {
        const double s = t.calibrate(raw);
        if (!(s >= 0)) std::abort();
      }
    } catch (const Error&) {
      std::abort();
    }
    return 0;
  }
  if (data[0] == 'v') {
    std::vector<std::string> fields;
    try {
      fields = split_csv_line(text.substr(0, text.find('\n')), "fuzz");
    } catch (const Error&) {
      return 0;
    }
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) line += ',';
      line += csv_field(fields[i]);
      try {
        parse_number(fields[i], "fuzz");
      } catch (const Error& e) {
        if (e.code() != ErrorCode::malformed_data) std::abort();
      }
    }
    try {
      // A field may hold a bare CR or quotes: quoting brings it back whole.
      if (split_csv_line(line, "fuzz") != fields) std::abort();
    } catch (const Error&) {
      std::abort();
    }
    return 0;
  }
  try {
    FaceModelSet::parse(text, ".");
  } catch (const Error&) {
  }
  return 0;
}
