// Pieces shared by the fingerprint and face evaluations of `tunggal eval`.
#pragma once

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "json_out.h"
#include "tunggal/calibration.h"
#include "tunggal/datasets/metrics.h"
#include "tunggal/sdk.h"
#include "tunggal/text.h"

namespace tunggal::cli {

// Writes an output file whole (temporary file, fsync, rename; owner-only).
inline void write_text(const std::filesystem::path& path, const std::string& text) {
  sdk::write_file_durably(path, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

// The error rates every summary.json carries, under their usual names.
inline void put_error_rates(Json& j, const datasets::ErrorRates& r) {
  j["genuine"] = r.genuine;
  j["impostor"] = r.impostor;
  j["eer"] = r.eer;
  j["fmr100"] = r.fmr100;
  j["fmr1000"] = r.fmr1000;
  j["fmr10000"] = r.fmr10000;
  j["zero_fmr"] = r.zero_fmr;
}

// A shipped calibration checked on this data: at calibrated thresholds 20,
// 30 and 40, the nominal false-match rate against the observed one.
inline void print_calibration_check(const ScoreCalibration& calibration, const std::vector<double>& genuine,
                                    const std::vector<double>& impostor) {
  for (const double score : {20.0, 30.0, 40.0}) {
    const double t = calibration.raw_for(score);
    const auto above = [t](const std::vector<double>& v) {
      return static_cast<double>(std::count_if(v.begin(), v.end(), [t](double s) { return s >= t; }));
    };
    std::cout << "  calibrated threshold " << std::setprecision(0) << score << " (nominal FMR "
              << std::setprecision(4) << fmr_for_score(score) << "): observed FMR "
              << above(impostor) / static_cast<double>(std::max<std::size_t>(1, impostor.size())) << ", FNMR "
              << 1.0 - above(genuine) / static_cast<double>(std::max<std::size_t>(1, genuine.size())) << "\n";
  }
}

void plot_det(const std::vector<datasets::DetPoint>& det, const std::string& path);
void plot_histograms(const std::vector<double>& genuine, const std::vector<double>& impostor,
                     const std::string& path);

struct FaceEvalArgs {
  std::string folder, out, models, impostors;
  bool mirror = true;  // FaceParams::mirror_embedding
};
// Faces in a folder per person (AT&T layout: s<person>/<n>.pgm); genuine =
// every pair of one person's images, impostor = every cross-person pair
// ("all") or first images only ("first").
int eval_faces(const FaceEvalArgs& args);

}  // namespace tunggal::cli
