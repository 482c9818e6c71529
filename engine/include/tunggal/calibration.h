// Calibrated comparison scores: a published scale on which a threshold is a
// false-match rate, so that deduplication thresholds are set as error rates.
//
//   score = -10 * log10(FMR(raw))
//
// where FMR(raw) is the share of impostor comparisons scoring at least `raw`.
// Score 30 means FMR 1e-3, 40 means 1e-4, 0 means "as likely as any
// impostor". The table is estimated from impostor comparisons (empirical
// quantiles where there are enough of them) and its tail is extrapolated by
// a straight line in (raw, score) fitted to the measured tail: impostor
// scores of MCC decay exponentially there. The default fingerprint table is
// built by `tunggal calibrate` and compiled into the engine; its provenance
// is in `name` and `source`.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tunggal {

struct CalibrationFitParams {
  // Empirical points are kept while at least this many impostors score
  // above the threshold (fewer makes the quantile noise).
  int min_tail_count = 10;
  double step = 1.0;  // score units between table points (1 = a tenth of a decade)
  // The tail line is fitted on measured points with scores in
  // [tail_from, last measured]; the table is extended to max_score.
  double tail_from = 20;    // FMR 1e-2
  double max_score = 120;   // FMR 1e-12
};

class ScoreCalibration {
 public:
  ScoreCalibration() = default;
  // Points (raw, score), raw strictly increasing and score non-decreasing,
  // starting at score 0; throws Error(invalid_argument) otherwise.
  ScoreCalibration(std::string name, std::string source, std::vector<double> raw,
                   std::vector<double> score);

  // Fits a table to impostor raw scores (higher = more similar).
  static ScoreCalibration fit(std::string name, std::string source,
                              std::span<const double> impostor_raw,
                              const CalibrationFitParams& p = {});

  // Text form: '#' comment lines, then "name=", "source=" lines, then
  // "raw,score" rows. parse() names the line of any malformed input.
  static ScoreCalibration parse(std::string_view text);
  std::string to_text() const;

  // Piecewise-linear in the table, flat beyond its ends; monotone
  // non-decreasing in raw; 0 for raw <= the first point.
  double calibrate(double raw) const noexcept;
  // Smallest raw score whose calibrated score reaches `score`.
  double raw_for(double score) const noexcept;

  const std::string& name() const noexcept { return name_; }
  const std::string& source() const noexcept { return source_; }
  const std::vector<double>& raw_points() const noexcept { return raw_; }
  const std::vector<double>& score_points() const noexcept { return score_; }
  bool empty() const noexcept { return raw_.empty(); }

 private:
  std::string name_, source_;
  std::vector<double> raw_, score_;
};

// Conversions between the score scale and false-match rates.
double fmr_for_score(double score) noexcept;
double score_for_fmr(double fmr) noexcept;

// The table shipped with the engine for compare_fingers() with default
// MccParams (see its source() for the data it was estimated on).
const ScoreCalibration& default_finger_calibration();

}  // namespace tunggal
