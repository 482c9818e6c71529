// The SFinGe-style generator: determinism, class frequencies, ground truth
// that follows the impression transform, and sane rendered output.
#include <gtest/gtest.h>

#include <cmath>

#include "tunggal/datasets/synthetic_finger.h"
#include "tunggal/error.h"

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
  std::size_t inner_pairs = 0;
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
    // Independently of the generator's code: inside the close-contact
    // ellipse the impression is rigid (ImpressionTransform: rotation about
    // the master centre, counter-clockwise on screen, that centre landing
    // at tx, ty), computed here from the transform's documented meaning.
    // There the truth sits where that rigid motion puts the master minutia,
    // and distances between such minutiae are kept.
    const auto& tr = imp.transform;
    const double c = std::cos(tr.rotation), sn = std::sin(tr.rotation);
    const auto rigid = [&](double x, double y) {
      const double ux = x - tr.master_cx, uy = y - tr.master_cy;
      return std::pair<double, double>{tr.tx + c * ux + sn * uy, tr.ty - sn * ux + c * uy};
    };
    std::vector<std::pair<const Minutia*, const Minutia*>> inner;  // (master, truth)
    for (const Minutia& mm : m.minutiae) {
      const double ex = (mm.x - tr.contact_cx) / tr.contact_rx, ey = (mm.y - tr.contact_cy) / tr.contact_ry;
      if (ex * ex + ey * ey > 0.81) continue;  // well inside: no distortion at all
      const auto [px, py] = rigid(mm.x, mm.y);
      for (const Minutia& t : imp.truth.minutiae) {
        if (std::abs(px - t.x) <= 0.51 && std::abs(py - t.y) <= 0.51) {
          inner.emplace_back(&mm, &t);
          break;
        }
      }
    }
    for (std::size_t i = 0; i < inner.size(); ++i) {
      for (std::size_t j = i + 1; j < inner.size(); ++j) {
        const double dm = std::hypot(inner[i].first->x - inner[j].first->x, inner[i].first->y - inner[j].first->y);
        const double dt = std::hypot(inner[i].second->x - inner[j].second->x, inner[i].second->y - inner[j].second->y);
        EXPECT_NEAR(dt, dm, 1.5);  // rounding of both ends
      }
    }
    inner_pairs += inner.size();
    // Outside it, the plastic distortion moves a point by at most its shift
    // plus its turn about the contact centre: nowhere further.
    for (const Minutia& t : imp.truth.minutiae) {
      double best = 1e9;
      for (const Minutia& mm : m.minutiae) {
        const auto [px, py] = rigid(mm.x, mm.y);
        const double arm = std::hypot(mm.x - tr.contact_cx, mm.y - tr.contact_cy);
        const double bound = std::hypot(tr.distortion_dx, tr.distortion_dy) +
                             2 * std::abs(std::sin(tr.distortion_rotation / 2)) * arm + 1.0;
        if (mm.type == t.type && std::hypot(px - t.x, py - t.y) <= bound) best = 0;
      }
      EXPECT_EQ(best, 0) << "truth minutia at " << t.x << "," << t.y << " is further than the distortion allows";
    }
    // The observed template is a perturbed copy: roughly the same count.
    EXPECT_NEAR(static_cast<double>(imp.observed.minutiae.size()),
                static_cast<double>(imp.truth.minutiae.size()),
                0.4 * imp.truth.minutiae.size() + 3);
  }
  EXPECT_GE(inner_pairs, 30u) << "too few undistorted minutiae to check the rigid part";
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

// The hard preset is harder where it says: more plastic distortion, a
// smaller pressed area (so fewer visible minutiae), skin further from
// normal, more rotation; measured over the same masters and seeds.
TEST(Synthetic, HardConditionsDistortMoreAndShowLess) {
  const ImpressionParams normal{}, hard = hard_conditions();
  double shift[2] = {}, area[2] = {}, skin[2] = {}, turn[2] = {}, visible[2] = {};
  const int n = 60;
  for (int i = 0; i < n; ++i) {
    const auto m = generate_master(900 + static_cast<std::uint64_t>(i), {}, false);
    for (int k = 0; k < 2; ++k) {
      const auto imp = make_impression(m, 77 + static_cast<std::uint64_t>(i), k ? hard : normal, false);
      const auto& t = imp.transform;
      shift[k] += std::hypot(t.distortion_dx, t.distortion_dy);
      area[k] += t.visible_rx * t.visible_ry;
      skin[k] += std::abs(t.dryness);
      turn[k] += std::abs(t.rotation);
      visible[k] += static_cast<double>(imp.truth.minutiae.size());
    }
  }
  EXPECT_GT(shift[1], 1.4 * shift[0]);
  EXPECT_LT(area[1], 0.9 * area[0]);
  EXPECT_GT(skin[1], 1.4 * skin[0]);
  EXPECT_GT(turn[1], 1.2 * turn[0]);
  EXPECT_LT(visible[1], visible[0]);
  EXPECT_GT(visible[1], 10.0 * n);  // still prints, not empty frames
}

// Each named condition changes only its own parameters; an unknown name is
// refused with the choices.
TEST(Synthetic, NamedConditionsChangeOnlyTheirOwnParameters) {
  const ImpressionParams normal{};
  EXPECT_EQ(impression_conditions("dry").max_wet, 0.0);
  EXPECT_GT(impression_conditions("dry").max_dry, normal.max_dry);
  EXPECT_EQ(impression_conditions("dry").distortion_shift, normal.distortion_shift);
  EXPECT_EQ(impression_conditions("wet").max_dry, 0.0);
  EXPECT_GT(impression_conditions("wet").max_wet, normal.max_wet);
  EXPECT_GT(impression_conditions("distortion").distortion_shift, normal.distortion_shift);
  EXPECT_EQ(impression_conditions("distortion").contact_min, normal.contact_min);
  EXPECT_LT(impression_conditions("partial").contact_max, normal.contact_max);
  EXPECT_EQ(impression_conditions("partial").max_dry, normal.max_dry);
  EXPECT_EQ(impression_conditions("partial").max_rotation_deg, normal.max_rotation_deg);
  EXPECT_GT(impression_conditions("rotation").max_rotation_deg, normal.max_rotation_deg);
  EXPECT_EQ(impression_conditions("rotation").contact_min, normal.contact_min);
  EXPECT_EQ(impression_conditions("hard").noise_sd, hard_conditions().noise_sd);
  EXPECT_EQ(impression_conditions("fvc2002").noise_sd, normal.noise_sd);
  try {
    impression_conditions("muddy");
    FAIL() << "accepted an unknown name";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("partial"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tunggal::datasets
