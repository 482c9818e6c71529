#include "skeleton.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

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

namespace {

// Zhang-Suen deletion rules as lookup tables over the 8-neighbourhood, bit i
// set when neighbour P(i+2) is set (P2 north, clockwise to P9 north-west).
struct ZhangSuenTables {
  std::uint8_t remove[2][256] = {};
  ZhangSuenTables() {
    for (int code = 0; code < 256; ++code) {
      int p[10];
      for (int i = 0; i < 8; ++i) p[i + 2] = (code >> i) & 1;
      int b = 0, a = 0;
      for (int i = 2; i <= 9; ++i) {
        b += p[i];
        a += p[i] == 0 && p[i == 9 ? 2 : i + 1] == 1;
      }
      const bool base = b >= 2 && b <= 6 && a == 1;
      remove[0][code] = base && p[2] * p[4] * p[6] == 0 && p[4] * p[6] * p[8] == 0;
      remove[1][code] = base && p[2] * p[4] * p[8] == 0 && p[2] * p[6] * p[8] == 0;
    }
  }
};

}  // namespace

cv::Mat thin(const cv::Mat& binary) {
  static const ZhangSuenTables tables;  // immutable after construction
  // One pixel of zero border so every neighbour read is in bounds.
  cv::Mat img(binary.rows + 2, binary.cols + 2, CV_8U, cv::Scalar(0));
  cv::Mat inner = img(cv::Rect(1, 1, binary.cols, binary.rows));
  cv::compare(binary, 0, inner, cv::CMP_GT);
  inner /= 255;
  const int stride = static_cast<int>(img.step);
  std::vector<int> active;  // ridge pixels still in play
  for (int y = 1; y <= binary.rows; ++y) {
    for (int x = 1; x <= binary.cols; ++x) {
      if (img.at<std::uint8_t>(y, x)) active.push_back(y * stride + x);
    }
  }
  std::uint8_t* d = img.data;
  const int off[8] = {-stride, -stride + 1, 1, stride + 1, stride, stride - 1, -1, -stride - 1};
  std::vector<int> doomed;
  for (bool changed = true; changed;) {
    changed = false;
    for (int pass = 0; pass < 2; ++pass) {
      doomed.clear();
      for (int i : active) {
        int code = 0;
        for (int k = 0; k < 8; ++k) code |= d[i + off[k]] << k;
        if (tables.remove[pass][code]) doomed.push_back(i);
      }
      for (int i : doomed) d[i] = 0;
      if (!doomed.empty()) {
        changed = true;
        std::erase_if(active, [&](int i) { return d[i] == 0; });
      }
    }
  }
  cv::Mat out;
  inner.convertTo(out, CV_8U, 255);
  return out;
}

std::vector<SkeletonMinutia> find_skeleton_minutiae(const cv::Mat& skeleton, const cv::Mat& valid,
                                                    int trace) {
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
          const double d = angle_diff(angles[i], angles[(i + 1) % 3]) +
                           angle_diff(angles[i], angles[(i + 2) % 3]);
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

int skeleton_sense(const cv::Mat& skeleton, int x0, int y0, double angle, int radius) {
  if (radius <= 0) return 0;
  radius = std::min(radius, 256);  // (the parameter allows 64; a disc's square stays small)
  const double ux = std::cos(angle), uy = -std::sin(angle);  // y down on screen
  const int side = 2 * radius + 1, r2 = radius * radius;
  // Flood fill over the 8-connected skeleton inside the disc, from the
  // minutia; `seen` covers the disc's bounding square.
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(side) * side, 0);
  const auto cell = [&](int x, int y) -> std::uint8_t& {
    return seen[static_cast<std::size_t>(y - y0 + radius) * side + (x - x0 + radius)];
  };
  std::vector<cv::Point> stack{{x0, y0}};
  cell(x0, y0) = 1;
  double sum = 0;
  while (!stack.empty()) {
    const cv::Point q = stack.back();
    stack.pop_back();
    for (int i = 0; i < 8; ++i) {
      const int x = q.x + kDx[i], y = q.y + kDy[i];
      const int ex = x - x0, ey = y - y0;
      if (ex * ex + ey * ey > r2 || x < 0 || y < 0 || x >= skeleton.cols || y >= skeleton.rows) continue;
      if (cell(x, y) || skeleton.at<std::uint8_t>(y, x) == 0) continue;
      cell(x, y) = 1;
      stack.emplace_back(x, y);
      sum += ex * ux + ey * uy;
    }
  }
  return sum > 0 ? 1 : sum < 0 ? -1 : 0;
}

}  // namespace tunggal::extraction
