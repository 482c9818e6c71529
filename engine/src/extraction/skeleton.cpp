#include "skeleton.h"

#include <algorithm>
#include <cmath>
#include <opencv2/ximgproc.hpp>

namespace tunggal::extraction {
namespace {

constexpr double kPi = 3.14159265358979323846;
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
  struct Trace {
    cv::Point end;
    int steps = 0;
    bool hit = false;  // stopped at another minutia (ending or junction)
  };
  // Follows the ridge from (sx, sy), coming from (px, py), for up to `limit`
  // steps, stopping at the ridge's end or at another minutia.
  Trace trace(int px, int py, int sx, int sy, int limit) const {
    cv::Point prev(px, py), cur(sx, sy);
    std::vector<cv::Point> seen{prev, cur};
    Trace t;
    for (t.steps = 1; t.steps < limit; ++t.steps) {
      const int cn = crossing_number(cur.x, cur.y);
      if (cn != 2) {
        t.hit = true;
        break;
      }
      bool moved = false;
      for (int i = 0; i < 8 && !moved; ++i) {
        const cv::Point n(cur.x + kDx[i], cur.y + kDy[i]);
        if (!on(n.x, n.y) || std::find(seen.begin(), seen.end(), n) != seen.end()) continue;
        // Neighbours of the previous point belong to the same stretch of ridge.
        if (t.steps > 1 && std::abs(n.x - prev.x) <= 1 && std::abs(n.y - prev.y) <= 1) continue;
        prev = cur;
        cur = n;
        seen.push_back(cur);
        moved = true;
      }
      if (!moved) break;
    }
    t.end = cur;
    return t;
  }
};

double screen_angle(double dx, double dy) {
  double a = std::atan2(-dy, dx);
  if (a < 0) a += 2 * kPi;
  return a >= 2 * kPi ? 0.0 : a;
}

double angle_diff(double a, double b) {
  double d = std::fmod(std::abs(a - b), 2 * kPi);
  return d > kPi ? 2 * kPi - d : d;
}

}  // namespace

cv::Mat thin(const cv::Mat& binary) {
  cv::Mat b, skel;
  cv::compare(binary, 0, b, cv::CMP_GT);
  cv::ximgproc::thinning(b, skel, cv::ximgproc::THINNING_ZHANGSUEN);
  return skel;
}

std::vector<SkeletonMinutia> find_skeleton_minutiae(const cv::Mat& skeleton, const cv::Mat& valid, int trace) {
  const Skeleton sk{skeleton};
  std::vector<SkeletonMinutia> found;
  for (int y = 1; y < skeleton.rows - 1; ++y) {
    for (int x = 1; x < skeleton.cols - 1; ++x) {
      if (!sk.on(x, y) || (!valid.empty() && !valid.at<std::uint8_t>(y, x))) continue;
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
      SkeletonMinutia m;
      m.x = x;
      m.y = y;
      m.reach = trace;
      std::vector<double> angles;
      for (const auto& st : starts) {
        const auto t = sk.trace(x, y, st.x, st.y, trace);
        angles.push_back(screen_angle(t.end.x - x, t.end.y - y));
        if (t.steps < m.reach) {
          m.reach = t.steps;
          if (t.hit) {
            m.hit_x = t.end.x;
            m.hit_y = t.end.y;
          } else {
            m.hit_x = m.hit_y = -1;
          }
        }
      }
      if (cn == 1) {
        m.type = MinutiaType::ending;
        m.angle = angles[0];
      } else {
        m.type = MinutiaType::bifurcation;
        // The stem is the branch farthest from the other two; the direction
        // points between the other two.
        int stem = 0;
        double best = -1;
        for (int i = 0; i < 3; ++i) {
          const double d = angle_diff(angles[i], angles[(i + 1) % 3]) + angle_diff(angles[i], angles[(i + 2) % 3]);
          if (d > best) {
            best = d;
            stem = i;
          }
        }
        const double a = angles[(stem + 1) % 3], b = angles[(stem + 2) % 3];
        m.angle = screen_angle(std::cos(a) + std::cos(b), -(std::sin(a) + std::sin(b)));
      }
      found.push_back(m);
    }
  }
  return found;
}

}  // namespace tunggal::extraction
