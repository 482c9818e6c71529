// The SFinGe-style generator: determinism, class frequencies, ground truth
// that follows the impression transform, and sane rendered output.
#include <gtest/gtest.h>

#include <cmath>

#include "tunggal/datasets/synthetic_finger.h"

namespace tunggal::datasets {
namespace {

TEST(Synthetic, ClassFrequenciesFollowNature) {
  const MasterParams p;
  int counts[kPatternClassCount] = {};
  const int n = 20000;
  for (int i = 0; i < n; ++i) ++counts[static_cast<int>(draw_pattern_class(1000 + i, p))];
  for (int c = 0; c < kPatternClassCount; ++c) {
    const double expected = p.class_frequencies[c];
    const double sd = std::sqrt(expected * (1 - expected) / n);
    EXPECT_NEAR(counts[c] / static_cast<double>(n), expected, 4 * sd)
        << to_string(static_cast<PatternClass>(c));
  }
}

TEST(Synthetic, SingularPointsMatchTheClass) {
  for (std::uint64_t seed = 1; seed < 60; ++seed) {
    const MasterFinger m = generate_master(seed, {}, false);
    int cores = 0, deltas = 0;
    for (const auto& s : m.singular_points) (s.core ? cores : deltas)++;
    switch (m.pattern) {
      case PatternClass::arch: EXPECT_EQ(cores + deltas, 0); break;
      case PatternClass::tented_arch:
      case PatternClass::left_loop:
      case PatternClass::right_loop:
        EXPECT_EQ(cores, 1);
        EXPECT_EQ(deltas, 1);
        break;
      case PatternClass::whorl:
        EXPECT_EQ(cores, 2);
        EXPECT_EQ(deltas, 2);
        break;
    }
    if (m.pattern == PatternClass::left_loop) {
      EXPECT_GT(m.singular_points[1].x, m.singular_points[0].x);  // delta right of the core
    }
    if (m.pattern == PatternClass::right_loop) {
      EXPECT_LT(m.singular_points[1].x, m.singular_points[0].x);
    }
  }
}

TEST(Synthetic, TemplateOnlyMastersAreDeterministicAndPlausible) {
  for (std::uint64_t seed = 10; seed < 30; ++seed) {
    const MasterFinger a = generate_master(seed, {}, false), b = generate_master(seed, {}, false);
    EXPECT_EQ(a.minutiae, b.minutiae);
    EXPECT_GE(a.minutiae.size(), 25u);
    EXPECT_LE(a.minutiae.size(), 90u);
    for (const auto& m : a.minutiae) EXPECT_TRUE(a.inside(m.x, m.y));
  }
  EXPECT_NE(generate_master(1, {}, false).minutiae, generate_master(2, {}, false).minutiae);
}

TEST(Synthetic, GroundTruthFollowsTheImpressionTransform) {
  const MasterFinger m = generate_master(77, {}, false);
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const Impression imp = make_impression(m, seed, {}, false);
    ASSERT_FALSE(imp.truth.minutiae.empty());
    // Every true minutia is a master minutia carried by the public transform.
    for (const Minutia& t : imp.truth.minutiae) {
      bool found = false;
      for (const Minutia& mm : m.minutiae) {
        double ix, iy;
        map_to_impression(imp.transform, mm.x, mm.y, ix, iy);
        if (std::abs(ix - t.x) <= 0.51 && std::abs(iy - t.y) <= 0.51 && mm.type == t.type) {
          found = true;
          // The direction turns with the local rotation (within the distortion).
          double d =
              std::fmod(std::abs(t.angle - mm.angle - imp.transform.rotation) + 4 * M_PI, 2 * M_PI);
          d = std::min(d, 2 * M_PI - d);
          EXPECT_LT(d, 0.35);
          break;
        }
      }
      EXPECT_TRUE(found) << "truth minutia at " << t.x << "," << t.y << " has no master source";
    }
    // The observed template is a perturbed copy: roughly the same count.
    EXPECT_NEAR(static_cast<double>(imp.observed.minutiae.size()),
                static_cast<double>(imp.truth.minutiae.size()),
                0.4 * imp.truth.minutiae.size() + 3);
  }
}

TEST(Synthetic, RenderedFingerIsDeterministicAndLooksLikeAPrint) {
  MasterParams p;
  p.width = 240;  // a smaller canvas keeps the sanitizer build quick
  p.height = 300;
  const MasterFinger a = generate_master(5, p, true);
  const MasterFinger b = generate_master(5, p, true);
  ASSERT_EQ(a.ridges.size(), 240u * 300u);
  EXPECT_EQ(a.ridges, b.ridges);
  EXPECT_EQ(a.minutiae, b.minutiae);
  // Ridges cover about half of the finger area and saturate (a clean pattern).
  std::size_t inside = 0, ridge = 0, saturated = 0;
  for (int y = 0; y < a.height; ++y) {
    for (int x = 0; x < a.width; ++x) {
      if (!a.inside(x, y)) continue;
      const int v = a.ridges[static_cast<std::size_t>(y) * a.width + x];
      ++inside;
      ridge += v > 0;
      saturated += std::abs(v) >= 100;
    }
  }
  EXPECT_NEAR(static_cast<double>(ridge) / inside, 0.5, 0.12);
  EXPECT_GT(static_cast<double>(saturated) / inside, 0.5);
  EXPECT_GE(a.minutiae.size(), 10u);
  ImpressionParams ip;
  ip.width = 200;
  ip.height = 260;
  const Impression i1 = make_impression(a, 9, ip, true), i2 = make_impression(a, 9, ip, true);
  EXPECT_EQ(i1.image.pixels, i2.image.pixels);
  ASSERT_EQ(i1.image.pixels.size(), 200u * 260u);
  // Dark ridges on a light background: a wide grey-level spread.
  int lo = 255, hi = 0;
  for (auto v : i1.image.pixels) {
    lo = std::min<int>(lo, v);
    hi = std::max<int>(hi, v);
  }
  EXPECT_LT(lo, 90);
  EXPECT_GT(hi, 180);
}

}  // namespace
}  // namespace tunggal::datasets
