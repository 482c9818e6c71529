// Score fusion and the duplicate threshold (see gallery.h).
#include <algorithm>
#include <cmath>
#include <limits>

#include "tunggal/calibration.h"
#include "tunggal/error.h"
#include "tunggal/gallery.h"

namespace tunggal {

std::string_view to_string(Decision d) noexcept {
  return d == Decision::duplicate ? "duplicate" : "unique";
}

double fuse_scores(std::span<const double> scores) noexcept {
  if (scores.empty()) return 0.0;
  const double ln10 = std::log(10.0);
  double x = 0;  // -sum ln p_i
  for (double s : scores) x += std::max(0.0, s) * ln10 / 10.0;
  if (x <= 0) return 0.0;
  // P(chi2_{2k} >= 2x) = e^{-x} sum_{j<k} x^j / j!, summed in logs.
  const std::size_t k = scores.size();
  double top = -std::numeric_limits<double>::infinity();
  std::vector<double> terms(k);
  for (std::size_t j = 0; j < k; ++j) {
    terms[j] = static_cast<double>(j) * std::log(x) - std::lgamma(static_cast<double>(j) + 1.0);
    top = std::max(top, terms[j]);
  }
  double sum = 0;
  for (double t : terms) sum += std::exp(t - top);
  const double log_tail = -x + top + std::log(sum);
  return std::max(0.0, -10.0 * log_tail / ln10);
}

double duplicate_threshold(double target_fpir, std::size_t searched) {
  // A MOSIP-style score below 10 (an FPIR above 10%) is a mistake, not a
  // setting: 2.0 meant as a rate would otherwise search at an FPIR of 63%.
  const bool score = target_fpir >= 1;
  const double rate = score ? std::pow(10.0, -target_fpir / 10.0) : target_fpir;
  if (!(rate > 0 && rate < 1) || (score && !(target_fpir >= 10 && target_fpir <= 200)))
    throw Error(ErrorCode::invalid_argument,
                "target FPIR must be a rate in (0, 1) (e.g. 0.001) or a MOSIP-style score of 10-200 (30 = 1 in "
                "1,000), not " +
                    std::to_string(target_fpir));
  return score_for_fmr(rate / static_cast<double>(std::max<std::size_t>(1, searched)));
}

}  // namespace tunggal
