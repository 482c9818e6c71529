// Ridge endings outnumber bifurcations in real fingers (about two to one in
// the FVC2002 vendor templates), while ridges grown by Gabor filtering fork
// about as often as they end: the filter treats ridges and valleys alike.
// A bifurcation and a ridge ending are the same break in the ridge flow
// seen from the ridge or the valley side, so one becomes the other by
// cutting a fork branch next to the junction: the stem then runs on into
// the other branch, and the cut branch ends there (the valley forks
// instead). The ground truth is taken from the edited ridges afterwards.
#include <algorithm>
#include <array>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "extraction/skeleton.h"
#include "field.h"

namespace tunggal::datasets::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kRing = 5;  // branches are found where they cross this Chebyshev ring

struct Branch {
  double x = 0, y = 0;  // centroid of the branch's pixels on the ring
  int count = 0;
};

// The branches leaving a junction: skeleton pixels on the ring around it,
// connected to it inside the ring, grouped by adjacency. Empty unless
// exactly three.
std::vector<Branch> branches_at(const cv::Mat& skel, int jx, int jy) {
  constexpr int side = 2 * kRing + 1;
  std::array<std::uint8_t, side * side> seen{};
  auto on = [&](int x, int y) {
    return x >= 0 && y >= 0 && x < skel.cols && y < skel.rows && skel.at<std::uint8_t>(y, x) != 0;
  };
  auto idx = [&](int dx, int dy) { return (dy + kRing) * side + (dx + kRing); };
  // Flood from the junction within the window.
  std::vector<std::pair<int, int>> stack{{0, 0}};
  seen[idx(0, 0)] = 1;
  while (!stack.empty()) {
    const auto [dx, dy] = stack.back();
    stack.pop_back();
    for (int ny = -1; ny <= 1; ++ny) {
      for (int nx = -1; nx <= 1; ++nx) {
        const int ax = dx + nx, ay = dy + ny;
        if (std::max(std::abs(ax), std::abs(ay)) > kRing || seen[idx(ax, ay)]) continue;
        if (!on(jx + ax, jy + ay)) continue;
        seen[idx(ax, ay)] = 1;
        // Stop at the ring: branches are counted where they cross it.
        if (std::max(std::abs(ax), std::abs(ay)) < kRing) stack.emplace_back(ax, ay);
      }
    }
  }
  // Ring pixels reached, grouped by adjacency along the ring.
  std::vector<std::pair<int, int>> ring;
  for (int dy = -kRing; dy <= kRing; ++dy)
    for (int dx = -kRing; dx <= kRing; ++dx)
      if (std::max(std::abs(dx), std::abs(dy)) == kRing && seen[idx(dx, dy)]) ring.emplace_back(dx, dy);
  std::vector<Branch> out;
  std::vector<int> group(ring.size(), -1);
  for (std::size_t i = 0; i < ring.size(); ++i) {
    if (group[i] >= 0) continue;
    group[i] = static_cast<int>(out.size());
    out.push_back({});
    std::vector<std::size_t> todo{i};
    while (!todo.empty()) {
      const std::size_t k = todo.back();
      todo.pop_back();
      auto& b = out.back();
      b.x += ring[k].first;
      b.y += ring[k].second;
      ++b.count;
      for (std::size_t j = 0; j < ring.size(); ++j) {
        if (group[j] >= 0) continue;
        if (std::abs(ring[j].first - ring[k].first) <= 1 && std::abs(ring[j].second - ring[k].second) <= 1) {
          group[j] = group[i];
          todo.push_back(j);
        }
      }
    }
  }
  if (out.size() != 3) return {};
  for (auto& b : out) {
    b.x = jx + b.x / b.count;
    b.y = jy + b.y / b.count;
  }
  return out;
}

double turn(double a, double b) {
  const double d = std::abs(std::remainder(a - b, 2 * kPi));
  return d;
}

}  // namespace

void cut_bifurcations(MasterFinger& m, const MasterParams& p, Rng& rng) {
  if (p.bifurcation_cut_share <= 0) return;
  cv::Mat binary(m.height, m.width, CV_8U);
  for (int y = 0; y < m.height; ++y)
    for (int x = 0; x < m.width; ++x)
      binary.at<std::uint8_t>(y, x) = m.ridges[static_cast<std::size_t>(y) * m.width + x] > 0 ? 255 : 0;
  const cv::Mat skel = extraction::thin(binary);
  for (const auto& s : extraction::find_skeleton_minutiae(skel, cv::Mat())) {
    if (s.type != MinutiaType::bifurcation || s.reach < 4) continue;
    if (!rng.chance(p.bifurcation_cut_share)) continue;
    const auto br = branches_at(skel, s.x, s.y);
    if (br.empty()) continue;
    // The forks are the two branches leaving most alike; the third is the stem.
    std::array<double, 3> dir{};
    for (int k = 0; k < 3; ++k) dir[k] = std::atan2(br[k].y - s.y, br[k].x - s.x);
    int stem = 0;
    double best = -1;
    for (int k = 0; k < 3; ++k) {
      // The stem is the branch farthest in direction from the other two.
      const double d = std::min(turn(dir[k], dir[(k + 1) % 3]), turn(dir[k], dir[(k + 2) % 3]));
      if (d > best) {
        best = d;
        stem = k;
      }
    }
    const int cut = (stem + 1 + static_cast<int>(rng.below(2))) % 3;
    // Erase a gap across the chosen fork where it crosses the ring.
    const double r = std::max(2.0, 0.3 * m.period_at(s.x, s.y));
    const double cx = br[cut].x, cy = br[cut].y;
    for (int y = static_cast<int>(cy - r) - 1; y <= static_cast<int>(cy + r) + 1; ++y) {
      for (int x = static_cast<int>(cx - r) - 1; x <= static_cast<int>(cx + r) + 1; ++x) {
        if (x < 0 || y < 0 || x >= m.width || y >= m.height) continue;
        if (std::hypot(x - cx, y - cy) > r) continue;
        m.ridges[static_cast<std::size_t>(y) * m.width + x] = -127;
      }
    }
  }
}

}  // namespace tunggal::datasets::synth
