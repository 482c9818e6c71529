// libFuzzer target for the text parsers: the first byte picks one ('c': a
// score calibration table, else a face model description).
// Contract: malformed text raises tunggal::Error only; a table that parses
// re-parses from its own text form to the same points.
#include <cstdlib>
#include <string_view>

#include "tunggal/calibration.h"
#include "tunggal/error.h"
#include "tunggal/face.h"

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
      if (again.raw_points().size() != t.raw_points().size()) std::abort();
      for (double raw : {-1.0, 0.0, 0.01, 0.5, 1.0}) {
        const double s = t.calibrate(raw);
        if (!(s >= 0)) std::abort();
      }
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
