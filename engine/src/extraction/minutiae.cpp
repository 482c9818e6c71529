// Minutiae from the enhanced image, and the removal of false ones.
#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "stages.h"

namespace tunggal::extraction {
namespace {

constexpr double kPi = 3.14159265358979323846;

double angle_diff(double a, double b) {
  double d = std::fmod(std::abs(a - b), 2 * kPi);
  return d > kPi ? 2 * kPi - d : d;
}

}  // namespace

std::vector<Minutia> detect_minutiae(const cv::Mat& enhanced, const cv::Mat& mask,
                                     const cv::Mat& coherence, const cv::Mat& orientation,
                                     const ExtractionParams& p, cv::Mat* skeleton_out) {
  cv::Mat binary = (enhanced > 0) & (mask > 0);
  const cv::Mat skel = thin(binary);
  if (skeleton_out) *skeleton_out = skel;
  // The image frame is a border too: ridges cut by it end falsely. Erode
  // and measure distances with zeros outside the image.
  cv::Mat valid;
  const int k = 2 * p.border_margin + 1;
  cv::erode(mask, valid, cv::getStructuringElement(cv::MORPH_ELLIPSE, {k, k}), {-1, -1}, 1,
            cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::Mat framed, dist_framed;
  cv::copyMakeBorder(mask, framed, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::distanceTransform(framed, dist_framed, cv::DIST_L2, 3);
  const cv::Mat dist = dist_framed(cv::Rect(1, 1, mask.cols, mask.rows));

  const int trace = std::max(p.spur_length, p.short_ridge);
  std::vector<SkeletonMinutia> raw = find_skeleton_minutiae(skel, valid, trace);
  std::vector<char> keep(raw.size(), 1);
  auto find_at = [&](int x, int y) -> long {
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (std::abs(raw[i].x - x) <= 1 && std::abs(raw[i].y - y) <= 1) return static_cast<long>(i);
    }
    return -1;
  };
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto& m = raw[i];
    if (coherence.at<float>(m.y, m.x) < p.min_coherence) keep[i] = 0;
    if (m.hit_x < 0) continue;
    const long j = find_at(m.hit_x, m.hit_y);
    const bool hit_ending = j >= 0 && raw[j].type == MinutiaType::ending;
    const bool hit_bifurcation = j >= 0 && raw[j].type == MinutiaType::bifurcation;
    // Spur (ending - bifurcation), bridge (bifurcation - bifurcation) and
    // fragment (ending - ending) along a short stretch of ridge: both false.
    const bool spur_or_bridge = hit_bifurcation && m.reach <= p.spur_length;
    const bool fragment = m.type == MinutiaType::ending && hit_ending && m.reach <= p.short_ridge;
    if (spur_or_bridge || fragment) {
      keep[i] = 0;
      keep[static_cast<std::size_t>(j)] = 0;
    }
  }
  // Broken ridges: two endings facing each other across a small gap.
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i].type != MinutiaType::ending) continue;
    for (std::size_t j = i + 1; j < raw.size(); ++j) {
      if (raw[j].type != MinutiaType::ending) continue;
      const double dx = raw[j].x - raw[i].x, dy = raw[j].y - raw[i].y;
      if (dx * dx + dy * dy > p.break_distance * p.break_distance) continue;
      if (angle_diff(raw[i].angle, raw[j].angle) > kPi * 0.75) {
        keep[i] = keep[j] = 0;
      }
    }
  }
  std::vector<SkeletonMinutia> kept;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (keep[i]) kept.push_back(raw[i]);
  }
  // Crowded pairs: both dropped.
  std::vector<char> crowd(kept.size(), 1);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    for (std::size_t j = i + 1; j < kept.size(); ++j) {
      const double dx = kept[j].x - kept[i].x, dy = kept[j].y - kept[i].y;
      if (dx * dx + dy * dy < p.min_distance * p.min_distance) crowd[i] = crowd[j] = 0;
    }
  }
  std::vector<Minutia> out;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (!crowd[i]) continue;
    const auto& s = kept[i];
    Minutia m;
    m.x = static_cast<std::uint16_t>(s.x);
    m.y = static_cast<std::uint16_t>(s.y);
    // Direction: the smoothed ridge orientation at the minutia (stable across
    // impressions), pointing towards the skeleton around it (the traced
    // branches' mean, for a bifurcation, swung with small changes of the
    // skeleton at the junction).
    double dir = s.angle;
    if (!orientation.empty()) {
      const double t = orientation.at<float>(s.y, s.x);
      const int sense = skeleton_sense(skel, s.x, s.y, t, p.direction_radius);
      if (sense != 0) {
        dir = sense > 0 ? t : t + kPi;
      } else {
        dir = angle_diff(t, s.angle) <= kPi / 2 ? t : t + kPi;
      }
    }
    m.angle = static_cast<float>(dir);
    if (m.angle >= 6.2831853f) m.angle = 0.0f;
    m.type = s.type;
    const double border = std::min(1.0, dist.at<float>(s.y, s.x) / (3.0 * p.border_margin));
    m.quality = static_cast<std::uint8_t>(
        std::clamp(std::lround(100.0 * coherence.at<float>(s.y, s.x) * border), 1L, 100L));
    out.push_back(m);
  }
  if (static_cast<int>(out.size()) > p.max_minutiae) {
    std::stable_sort(out.begin(), out.end(),
                     [](const Minutia& a, const Minutia& b) { return a.quality > b.quality; });
    out.resize(static_cast<std::size_t>(p.max_minutiae));
  }
  return out;
}

int image_quality(const cv::Mat& mask, const cv::Mat& coherence, const cv::Mat& enhanced,
                  const cv::Mat& period, double ridge_share, const ExtractionParams& p,
                  std::vector<std::string>& reasons) {
  const double area =
      static_cast<double>(cv::countNonZero(mask)) / (static_cast<double>(mask.rows) * mask.cols);
  if (area < p.min_quality_area) {
    reasons.emplace_back("no finger found: place a finger on the sensor");
    return 0;
  }
  if (ridge_share < p.min_ridge_share) {
    reasons.emplace_back("no ridge pattern found: is this a fingerprint?");
    return 0;
  }
  const double ocl = cv::mean(coherence, mask)[0];
  cv::Mat absolute = cv::abs(enhanced);
  const double clarity = cv::mean(absolute, mask)[0] / 127.0;
  cv::Scalar pm, psd;
  cv::meanStdDev(period, pm, psd, mask);
  const double consistency = std::clamp(1.0 - (psd[0] / pm[0]) / 0.3, 0.0, 1.0);
  const double ocl_score = std::clamp((ocl - 0.2) / 0.55, 0.0, 1.0);
  const double area_score = std::clamp(area / 0.5, 0.0, 1.0);
  const double q = 100.0 * (0.4 * ocl_score + 0.3 * clarity + 0.1 * consistency + 0.2 * area_score);
  if (area < 0.25) reasons.emplace_back("small finger area: press the finger flat and centred");
  if (ocl < 0.45)
    reasons.emplace_back("unclear ridge flow: clean the sensor and the finger, recapture");
  if (clarity < 0.45) reasons.emplace_back("low ridge contrast: dry, wet or smudged finger");
  return static_cast<int>(std::clamp(std::lround(q), 0L, 100L));
}

}  // namespace tunggal::extraction
