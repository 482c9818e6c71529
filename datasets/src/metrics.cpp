#include "tunggal/datasets/metrics.h"

#include <algorithm>
#include <cmath>

namespace tunggal::datasets {

std::vector<DetPoint> det_curve(std::vector<double> genuine, std::vector<double> impostor) {
  std::sort(genuine.begin(), genuine.end());
  std::sort(impostor.begin(), impostor.end());
  std::vector<double> thresholds = genuine;
  thresholds.insert(thresholds.end(), impostor.begin(), impostor.end());
  std::sort(thresholds.begin(), thresholds.end());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  std::vector<DetPoint> det;
  det.reserve(thresholds.size() + 1);
  const double ng = static_cast<double>(std::max<std::size_t>(1, genuine.size()));
  const double ni = static_cast<double>(std::max<std::size_t>(1, impostor.size()));
  // A comparison is a match when its score >= threshold.
  for (double t : thresholds) {
    const double fnmr =
        static_cast<double>(std::lower_bound(genuine.begin(), genuine.end(), t) - genuine.begin()) /
        ng;
    const double fmr = static_cast<double>(impostor.end() -
                                           std::lower_bound(impostor.begin(), impostor.end(), t)) /
                       ni;
    det.push_back({t, fmr, fnmr});
  }
  // Above every score: nothing matches.
  det.push_back(
      {thresholds.empty() ? 1.0 : thresholds.back() + 1e-9, 0.0, genuine.empty() ? 0.0 : 1.0});
  return det;
}

ErrorRates error_rates(std::vector<double> genuine, std::vector<double> impostor) {
  ErrorRates r;
  r.genuine = genuine.size();
  r.impostor = impostor.size();
  const auto det = det_curve(std::move(genuine), std::move(impostor));
  double best_gap = 2;
  r.fmr100 = r.fmr1000 = r.fmr10000 = r.zero_fmr = 1;
  for (const auto& p : det) {
    const double gap = std::abs(p.fmr - p.fnmr);
    if (gap < best_gap) {
      best_gap = gap;
      r.eer = (p.fmr + p.fnmr) / 2;
      r.eer_threshold = p.threshold;
    }
    if (p.fmr <= 0.01) r.fmr100 = std::min(r.fmr100, p.fnmr);
    if (p.fmr <= 0.001) r.fmr1000 = std::min(r.fmr1000, p.fnmr);
    if (p.fmr <= 0.0001) r.fmr10000 = std::min(r.fmr10000, p.fnmr);
    if (p.fmr <= 0.0) r.zero_fmr = std::min(r.zero_fmr, p.fnmr);
  }
  return r;
}

}  // namespace tunggal::datasets
