#include "tunggal/calibration.h"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

#include "tunggal/error.h"
#include "tunggal/text.h"

namespace tunggal {
namespace {

[[noreturn]] void invalid(const std::string& what) {
  throw Error(ErrorCode::invalid_argument, "score calibration: " + what);
}

[[noreturn]] void malformed(std::size_t line, const std::string& what) {
  throw Error(ErrorCode::malformed_data,
              "score calibration, line " + std::to_string(line) + ": " + what);
}


}  // namespace

ScoreCalibration::ScoreCalibration(std::string name, std::string source, std::vector<double> raw,
                                   std::vector<double> score)
    : name_(std::move(name)), source_(std::move(source)), raw_(std::move(raw)),
      score_(std::move(score)) {
  if (raw_.size() != score_.size()) invalid("raw and score columns differ in length");
  if (raw_.size() < 2) invalid("a table needs at least two points");
  for (std::size_t i = 0; i < raw_.size(); ++i) {
    if (!std::isfinite(raw_[i]) || !std::isfinite(score_[i])) invalid("a point is not finite");
    if (i > 0 && !(raw_[i] > raw_[i - 1])) invalid("raw scores must increase strictly");
    if (i > 0 && score_[i] < score_[i - 1]) invalid("calibrated scores must not decrease");
  }
  if (score_.front() != 0) invalid("the first point must have score 0");
  for (const char c : name_ + source_) {
    if (c == '\n' || c == '\r') invalid("name and source must be single lines");
  }
}

ScoreCalibration ScoreCalibration::fit(std::string name, std::string source,
                                       std::span<const double> impostor_raw,
                                       const CalibrationFitParams& p) {
  std::vector<double> imp(impostor_raw.begin(), impostor_raw.end());
  imp.erase(std::remove_if(imp.begin(), imp.end(), [](double v) { return !std::isfinite(v); }),
            imp.end());
  if (imp.size() < static_cast<std::size_t>(std::max(100, p.min_tail_count * 10)))
    invalid("too few impostor scores to fit (" + std::to_string(imp.size()) + ")");
  if (!(p.step > 0) || !(p.max_score > p.tail_from) || p.min_tail_count < 1)
    invalid("fit parameters out of range");
  std::sort(imp.begin(), imp.end(), std::greater<>());
  const double n = static_cast<double>(imp.size());
  // Measured points: the threshold at FMR f is the raw score that exactly
  // ceil(f * n) impostors reach.
  std::vector<double> raw{imp.back() < 0 ? imp.back() : 0.0}, score{0.0};
  for (double s = p.step;; s += p.step) {
    const double count = std::ceil(fmr_for_score(s) * n);
    if (count < p.min_tail_count) break;
    const double threshold = imp[static_cast<std::size_t>(count) - 1];
    if (threshold > raw.back()) {
      raw.push_back(threshold);
      score.push_back(s);
    } else if (raw.size() > 1) {
      score.back() = s;  // ties: the same threshold reaches the rarer rate
    }
  }
  // Tail: least-squares line score = a + b * raw over the measured tail,
  // each point weighted by the impostors above it (a quantile from k
  // impostors has a variance of about 1/k in log FMR). Solved as a
  // weighted least-squares problem (rows scaled by sqrt(w)) with Eigen's
  // column-pivoting QR, which also says when the points cannot fix a line.
  std::vector<std::size_t> tail;
  for (std::size_t i = 0; i < raw.size(); ++i)
    if (score[i] >= p.tail_from) tail.push_back(i);
  if (tail.size() < 3) invalid("too few measured tail points to extrapolate");
  Eigen::MatrixX2d design(static_cast<Eigen::Index>(tail.size()), 2);
  Eigen::VectorXd target(static_cast<Eigen::Index>(tail.size()));
  for (std::size_t k = 0; k < tail.size(); ++k) {
    const std::size_t i = tail[k];
    const double sw = std::sqrt(std::ceil(fmr_for_score(score[i]) * n));
    const auto row = static_cast<Eigen::Index>(k);
    design(row, 0) = sw;
    design(row, 1) = sw * raw[i];
    target(row) = sw * score[i];
  }
  const auto qr = design.colPivHouseholderQr();
  if (qr.rank() < 2) invalid("too few measured tail points to extrapolate");
  const Eigen::Vector2d line = qr.solve(target);
  const double intercept = line(0), slope = line(1);
  if (!(slope > 0)) invalid("impostor tail does not decay; cannot extrapolate");
  // Extend along the fitted line (not from the last measured point, whose
  // few impostors make it the noisiest), keeping the table monotone.
  for (double s = std::floor(score.back() / 10) * 10 + 10;; s += 10) {
    s = std::min(s, p.max_score);
    if (s <= score.back()) break;
    const double r = (s - intercept) / slope;
    if (r > raw.back()) {
      raw.push_back(r);
      score.push_back(s);
    }
  }
  return ScoreCalibration(std::move(name), std::move(source), std::move(raw), std::move(score));
}

ScoreCalibration ScoreCalibration::parse(std::string_view text) {
  std::string name, source;
  std::vector<double> raw, score;
  std::size_t line_no = 0;
  bool header_seen = false;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, 5) == "name=") {
      name = line.substr(5);
    } else if (line.substr(0, 7) == "source=") {
      source = line.substr(7);
    } else if (line == "raw,score") {
      header_seen = true;
    } else {
      if (!header_seen) malformed(line_no, "expected name=, source= or the header raw,score");
      const std::size_t comma = line.find(',');
      if (comma == std::string_view::npos) malformed(line_no, "expected two numbers: raw,score");
      const std::string where = "score calibration, line " + std::to_string(line_no);
      const double r = parse_number(line.substr(0, comma), where + ", raw");
      const double s = parse_number(line.substr(comma + 1), where + ", score");
      raw.push_back(r);
      score.push_back(s);
    }
    if (raw.size() > 100000) malformed(line_no, "more than 100000 points");
  }
  if (!header_seen) malformed(line_no, "no raw,score header");
  try {
    return ScoreCalibration(std::move(name), std::move(source), std::move(raw), std::move(score));
  } catch (const Error& e) {
    throw Error(ErrorCode::malformed_data, e.what());
  }
}

std::string ScoreCalibration::to_text() const {
  std::ostringstream out;
  // Every digit: two raw points closer than 1e-10 must stay apart (the
  // table's raws increase strictly), so parse(to_text()) always succeeds.
  out.precision(17);
  out << "# tunggal score calibration: score = -10 log10(FMR)\n";
  out << "name=" << name_ << "\nsource=" << source_ << "\nraw,score\n";
  for (std::size_t i = 0; i < raw_.size(); ++i) out << raw_[i] << ',' << score_[i] << '\n';
  return out.str();
}

double ScoreCalibration::calibrate(double raw) const noexcept {
  if (raw_.empty() || !(raw > raw_.front())) return 0.0;
  if (raw >= raw_.back()) return score_.back();
  const auto hi = std::upper_bound(raw_.begin(), raw_.end(), raw);
  const std::size_t i = static_cast<std::size_t>(hi - raw_.begin());
  const double t = (raw - raw_[i - 1]) / (raw_[i] - raw_[i - 1]);
  return score_[i - 1] + t * (score_[i] - score_[i - 1]);
}

double ScoreCalibration::raw_for(double score) const noexcept {
  if (raw_.empty() || score <= 0) return raw_.empty() ? 0.0 : raw_.front();
  if (score >= score_.back()) return raw_.back();
  const auto hi = std::lower_bound(score_.begin(), score_.end(), score);
  const std::size_t i = static_cast<std::size_t>(hi - score_.begin());
  const double t = (score - score_[i - 1]) / (score_[i] - score_[i - 1]);
  return raw_[i - 1] + t * (raw_[i] - raw_[i - 1]);
}

double fmr_for_score(double score) noexcept { return std::pow(10.0, -score / 10.0); }

double score_for_fmr(double fmr) noexcept {
  return fmr >= 1 ? 0.0 : (fmr <= 0 ? 1e9 : -10.0 * std::log10(fmr));
}

const ScoreCalibration& default_finger_calibration() {
  static const ScoreCalibration table = ScoreCalibration::parse(
#include "finger_calibration.inc"
  );
  return table;
}

}  // namespace tunggal
