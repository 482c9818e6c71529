// Skin creases and scars: lines of lost ridge, persistent on the finger, so
// every impression shows them cutting the ridges at the same places
// (flexion and ageing creases, healed cuts in real prints; an extractor
// must not read their edges as minutiae of the finger). Each is a gently
// bent stroke drawn into a strength map of the master canvas (0 = none,
// 255 = fully cut); a scar is short, wide and ragged.
#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "field.h"

namespace tunggal::datasets::synth {

std::vector<std::uint8_t> draw_creases(const MasterFinger& m, const MasterParams& p, Rng& rng) {
  const int count = static_cast<int>(rng.below(static_cast<std::uint64_t>(p.max_creases) + 1));
  const bool scar = rng.chance(p.scar_probability);
  if (count == 0 && !scar) return {};
  // Drawn at 4x and scaled down: sub-pixel widths, smooth edges.
  constexpr int kScale = 4;
  cv::Mat big(m.height * kScale, m.width * kScale, CV_8U, cv::Scalar(0));
  const Silhouette& s = m.silhouette;
  for (int k = 0; k < count; ++k) {
    const double cx = rng.uniform(s.cx - s.half_width * 0.8, s.cx + s.half_width * 0.8);
    const double cy = rng.uniform(s.cy - s.top * 0.8, s.cy + s.bottom * 0.8);
    // Mostly across the finger, as flexion creases run.
    const double angle = rng.normal(0, 0.6);
    const double length = rng.uniform(p.crease_length_min, p.crease_length_max);
    const double width = rng.uniform(p.crease_width_min, p.crease_width_max);
    const double bend = rng.normal(0, 0.08) * length;
    std::vector<cv::Point> pts;
    for (int i = 0; i <= 16; ++i) {
      const double t = i / 16.0 - 0.5;
      const double along = t * length, off = bend * (1 - 4 * t * t);
      const double x = cx + along * std::cos(angle) - off * std::sin(angle);
      const double y = cy + along * std::sin(angle) + off * std::cos(angle);
      pts.emplace_back(static_cast<int>(std::lround(x * kScale)),
                       static_cast<int>(std::lround(y * kScale)));
    }
    const int strength = 150 + static_cast<int>(rng.below(106));
    cv::polylines(big, pts, false, cv::Scalar(strength),
                  std::max(1, static_cast<int>(std::lround(width * kScale))), cv::LINE_8);
  }
  if (scar) {
    // A healed cut: 30-90 px long, 6-12 px wide, its edges ragged (a chain
    // of overlapping discs of varying radius along a bent line).
    const double cx = rng.uniform(s.cx - s.half_width * 0.6, s.cx + s.half_width * 0.6);
    const double cy = rng.uniform(s.cy - s.top * 0.6, s.cy + s.bottom * 0.6);
    const double angle = rng.uniform(0, 3.14159265358979), length = rng.uniform(30, 90);
    const double width = rng.uniform(6, 12), bend = rng.normal(0, 0.1) * length;
    for (double t = -0.5; t <= 0.5; t += 2.0 / length) {
      const double along = t * length, off = bend * (1 - 4 * t * t);
      const double x = cx + along * std::cos(angle) - off * std::sin(angle);
      const double y = cy + along * std::sin(angle) + off * std::cos(angle);
      const double r = 0.5 * width * rng.uniform(0.6, 1.1) * std::sqrt(std::max(0.1, 1 - 4 * t * t));
      cv::circle(big, {static_cast<int>(std::lround(x * kScale)), static_cast<int>(std::lround(y * kScale))},
                 std::max(1, static_cast<int>(std::lround(r * kScale))), cv::Scalar(255), cv::FILLED, cv::LINE_8);
    }
  }
  cv::Mat small;
  cv::resize(big, small, cv::Size(m.width, m.height), 0, 0, cv::INTER_AREA);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(m.width) * m.height);
  for (int y = 0; y < m.height; ++y)
    for (int x = 0; x < m.width; ++x) out[static_cast<std::size_t>(y) * m.width + x] = small.at<std::uint8_t>(y, x);
  return out;
}

}  // namespace tunggal::datasets::synth
