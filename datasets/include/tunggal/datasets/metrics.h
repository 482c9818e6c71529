// Verification error rates from genuine and impostor scores (higher = more
// similar), as the FVC competitions report them.
#pragma once

#include <vector>

namespace tunggal::datasets {

struct ErrorRates {
  double eer = 0;  // equal error rate (mean of FMR and FNMR where they cross)
  double eer_threshold = 0;
  double fmr100 = 0;    // lowest FNMR with FMR <= 1%
  double fmr1000 = 0;   // ... FMR <= 0.1% (needs >= 1,000 impostor scores to mean much)
  double fmr10000 = 0;  // ... FMR <= 0.01%
  double zero_fmr = 0;  // lowest FNMR with no false match
  std::size_t genuine = 0, impostor = 0;
};

ErrorRates error_rates(std::vector<double> genuine, std::vector<double> impostor);

struct DetPoint {
  double threshold, fmr, fnmr;
};
// The DET curve: (FMR, FNMR) at every distinct score, threshold ascending.
std::vector<DetPoint> det_curve(std::vector<double> genuine, std::vector<double> impostor);

}  // namespace tunggal::datasets
