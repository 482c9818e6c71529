// Ground-truth minutiae of a rendered master: binarise the ridges, thin them
// (Zhang-Suen, OpenCV ximgproc), classify skeleton pixels by crossing number
// (1 = ridge ending, 3 = bifurcation), and take directions by tracing the
// skeleton. Directions follow ISO/M1: an ending points along its ridge, a
// bifurcation points between its two branches.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc.hpp>

#include "field.h"

namespace tunggal::datasets::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kTrace = 10;  // pixels followed along a ridge to measure direction
// 8-neighbours in circular order.
constexpr int kDx[8] = {1, 1, 0, -1, -1, -1, 0, 1};
constexpr int kDy[8] = {0, 1, 1, 1, 0, -1, -1, -1};

struct Skeleton {
  const cv::Mat& s;
  bool on(int x, int y) const {
    return x >= 0 && y >= 0 && x < s.cols && y < s.rows && s.at<std::uint8_t>(y, x) != 0;
  }
  int crossing_number(int x, int y) const {
    int t = 0;
    for (int i = 0; i < 8; ++i) {
      t += on(x + kDx[i], y + kDy[i]) != on(x + kDx[(i + 1) % 8], y + kDy[(i + 1) % 8]);
    }
    return t / 2;
  }
  // Follows the skeleton from (sx, sy), having come from (px, py), for up to
  // kTrace steps; returns the end point.
  cv::Point trace(int px, int py, int sx, int sy, int& steps) const {
    cv::Point prev(px, py), cur(sx, sy);
    std::vector<cv::Point> seen{prev, cur};
    for (steps = 1; steps < kTrace; ++steps) {
      bool moved = false;
      for (int i = 0; i < 8 && !moved; ++i) {
        const cv::Point n(cur.x + kDx[i], cur.y + kDy[i]);
        if (!on(n.x, n.y) || std::find(seen.begin(), seen.end(), n) != seen.end()) continue;
        // Skip neighbours of the previous point: they are the same ridge.
        if (std::abs(n.x - prev.x) <= 1 && std::abs(n.y - prev.y) <= 1 && steps > 1) continue;
        prev = cur;
        cur = n;
        seen.push_back(cur);
        moved = true;
      }
      if (!moved) break;
    }
    return cur;
  }
};

double screen_angle(double dx, double dy) {  // counter-clockwise, y down
  double a = std::atan2(-dy, dx);
  if (a < 0) a += 2 * kPi;
  return a;
}

double angle_diff(double a, double b) {
  double d = std::fmod(std::abs(a - b), 2 * kPi);
  return d > kPi ? 2 * kPi - d : d;
}

}  // namespace

std::vector<Minutia> skeleton_minutiae(const MasterFinger& m, const MasterParams& p) {
  cv::Mat binary(m.height, m.width, CV_8U);
  for (int y = 0; y < m.height; ++y) {
    for (int x = 0; x < m.width; ++x) {
      binary.at<std::uint8_t>(y, x) = m.ridges[static_cast<std::size_t>(y) * m.width + x] > 0 ? 255 : 0;
    }
  }
  cv::Mat skel;
  cv::ximgproc::thinning(binary, skel, cv::ximgproc::THINNING_ZHANGSUEN);
  cv::Mat inner(m.height, m.width, CV_8U);
  const auto mask = silhouette_mask(m);
  std::memcpy(inner.data, mask.data(), mask.size());
  const int k = 2 * p.border_margin + 1;
  cv::erode(inner, inner, cv::getStructuringElement(cv::MORPH_ELLIPSE, {k, k}));

  const Skeleton sk{skel};
  std::vector<Minutia> found;
  for (int y = 1; y < m.height - 1; ++y) {
    for (int x = 1; x < m.width - 1; ++x) {
      if (!sk.on(x, y) || !inner.at<std::uint8_t>(y, x)) continue;
      const int cn = sk.crossing_number(x, y);
      if (cn != 1 && cn != 3) continue;
      // Branch starts: one skeleton neighbour per run of the 8-ring.
      std::vector<cv::Point> starts;
      for (int i = 0; i < 8; ++i) {
        const bool here = sk.on(x + kDx[i], y + kDy[i]);
        const bool before = sk.on(x + kDx[(i + 7) % 8], y + kDy[(i + 7) % 8]);
        if (here && !before) starts.emplace_back(x + kDx[i], y + kDy[i]);
      }
      if (static_cast<int>(starts.size()) != cn) continue;
      std::vector<double> angles;
      bool short_branch = false;
      for (const auto& st : starts) {
        int steps = 0;
        const cv::Point end = sk.trace(x, y, st.x, st.y, steps);
        if (steps < 4) short_branch = true;
        angles.push_back(screen_angle(end.x - x, end.y - y));
      }
      if (short_branch) continue;  // a spur or a crowded junction: no reliable direction
      double dir;
      MinutiaType type;
      if (cn == 1) {
        type = MinutiaType::ending;
        dir = angles[0];
      } else {
        type = MinutiaType::bifurcation;
        // The stem is the branch farthest from the other two; the direction
        // points between the other two.
        int stem = 0;
        double best = -1;
        for (int i = 0; i < 3; ++i) {
          const double d = angle_diff(angles[i], angles[(i + 1) % 3]) +
                           angle_diff(angles[i], angles[(i + 2) % 3]);
          if (d > best) {
            best = d;
            stem = i;
          }
        }
        const double a = angles[(stem + 1) % 3], b = angles[(stem + 2) % 3];
        dir = screen_angle(std::cos(a) + std::cos(b), -(std::sin(a) + std::sin(b)));
      }
      Minutia mi;
      mi.x = static_cast<std::uint16_t>(x);
      mi.y = static_cast<std::uint16_t>(y);
      mi.angle = static_cast<float>(dir);
      if (mi.angle >= static_cast<float>(2 * kPi)) mi.angle = 0.0f;
      mi.type = type;
      mi.quality = 100;
      found.push_back(mi);
    }
  }
  // Zhang-Suen leaves some junctions as two adjacent CN=3 pixels and tiny
  // loops as pairs: keep one minutia per cluster closer than 5 px.
  std::vector<Minutia> out;
  for (const auto& mi : found) {
    bool dup = false;
    for (const auto& o : out) {
      const int dx = o.x - mi.x, dy = o.y - mi.y;
      if (dx * dx + dy * dy < 25) {
        dup = true;
        break;
      }
    }
    if (!dup) out.push_back(mi);
  }
  return out;
}

}  // namespace tunggal::datasets::synth
