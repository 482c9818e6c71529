#include <gtest/gtest.h>

#include <bit>
#include <random>

#include "tunggal/comparison.h"
#include "tunggal/datasets/synthetic_finger.h"

namespace tunggal {
namespace {

TEST(Mcc, GenuineScoresAboveImpostorsAndComparisonIsSymmetric) {
  // Template-only synthetic fingers: impressions of one master vs another.
  std::vector<EnrolledFinger> first, second;
  for (std::uint64_t f = 1; f <= 12; ++f) {
    const auto m = datasets::generate_master(100 + f, {}, false);
    first.push_back(enroll_finger(datasets::make_impression(m, 1000 + f, {}, false).observed));
    second.push_back(enroll_finger(datasets::make_impression(m, 2000 + f, {}, false).observed));
  }
  double genuine = 0, impostor = 0;
  int ni = 0, wins = 0;
  for (std::size_t i = 0; i < first.size(); ++i) {
    const double g = compare_fingers(first[i], second[i]);
    EXPECT_EQ(g, compare_fingers(second[i], first[i]));  // exactly, by construction
    genuine += g;
    for (std::size_t j = 0; j < second.size(); ++j) {
      if (j == i) continue;
      const double s = compare_fingers(first[i], second[j]);
      EXPECT_EQ(s, compare_fingers(second[j], first[i]));
      impostor += s;
      ++ni;
      wins += g > s;
    }
  }
  genuine /= static_cast<double>(first.size());
  impostor /= ni;
  EXPECT_GT(genuine, 2 * impostor);
  EXPECT_GT(static_cast<double>(wins) / ni, 0.9);
  EXPECT_GT(compare_fingers(first[0], first[0]), 0.6);  // a template matches itself well
}

TEST(Mcc, EmptyAndTinyTemplatesScoreZero) {
  FingerTemplate empty;
  FingerTemplate one;
  one.minutiae.push_back({100, 100, 1.0f, MinutiaType::ending, 50});
  const auto m = datasets::generate_master(5, {}, false);
  const auto full = enroll_finger(datasets::make_impression(m, 1, {}, false).observed);
  EXPECT_EQ(compare_fingers(enroll_finger(empty), full), 0.0);
  EXPECT_EQ(compare_fingers(enroll_finger(one), full), 0.0);
  EXPECT_GT(full.size(), 5u);
}

// A sliver of a print (a few minutiae close together, as a partial capture
// gives) has one to four valid cylinders; such a finger used to score its
// best pair, near the top of the scale, against every finger.
TEST(Mcc, ASliverOfAPrintIsNotCompared) {
  FingerTemplate sliver;
  sliver.width = 300;
  sliver.height = 400;
  for (int k = 0; k < 4; ++k) {
    sliver.minutiae.push_back({static_cast<std::uint16_t>(150 + 20 * (k % 2)),
                               static_cast<std::uint16_t>(200 + 20 * (k / 2)), 0.3f + 0.8f * static_cast<float>(k),
                               MinutiaType::ending, 60});
  }
  const auto few = enroll_finger(sliver);
  ASSERT_GE(few.size(), 1u);
  ASSERT_LT(few.size(), static_cast<std::size_t>(MccParams{}.min_cylinders));
  double any = 0;
  for (std::uint64_t f = 0; f < 20; ++f) {
    const auto m = datasets::generate_master(300 + f, {}, false);
    const auto full = enroll_finger(datasets::make_impression(m, 1, {}, false).observed);
    EXPECT_EQ(compare_fingers(few, full), 0.0);
    EXPECT_EQ(compare_fingers(full, few), 0.0);
    MccParams all;
    all.min_cylinders = 1;
    any = std::max(any, compare_fingers(few, full, all));
  }
  EXPECT_GT(any, 0.0);  // the rule, not the cylinders, keeps it out
}

TEST(Mcc, ResolutionIsNormalisedTo500Dpi) {
  const auto m = datasets::generate_master(9, {}, false);
  const FingerTemplate a = datasets::make_impression(m, 1, {}, false).observed;
  const FingerTemplate b = datasets::make_impression(m, 2, {}, false).observed;
  FingerTemplate a1000 = a;  // the same capture at 1000 dpi
  a1000.dpi_x = a1000.dpi_y = 1000;
  a1000.width = static_cast<std::uint16_t>(a.width * 2);
  a1000.height = static_cast<std::uint16_t>(a.height * 2);
  for (auto& q : a1000.minutiae) {
    q.x = static_cast<std::uint16_t>(q.x * 2);
    q.y = static_cast<std::uint16_t>(q.y * 2);
  }
  const double base = compare_fingers(enroll_finger(a), enroll_finger(b));
  EXPECT_GT(base, 0.0);
  EXPECT_EQ(compare_fingers(enroll_finger(a1000), enroll_finger(b)), base);
  FingerTemplate unset = a;  // resolution left at 0 by the writer: taken as 500
  unset.dpi_x = unset.dpi_y = 0;
  EXPECT_EQ(compare_fingers(enroll_finger(unset), enroll_finger(b)), base);
  // Read at the wrong resolution, the same minutiae no longer line up.
  FingerTemplate wrong = a;
  wrong.dpi_x = wrong.dpi_y = 1000;
  EXPECT_LT(compare_fingers(enroll_finger(wrong), enroll_finger(b)), base);
}

// The optimised comparison (dense matrix, row kernels, short paths for full
// cylinders, per-row best selection) gives the reference's score bit for
// bit, at every kernel level, on tidy cylinders as enrolled and on cylinders
// a snapshot might hold (values outside validity, validity beyond the disc).
TEST(Mcc, OptimisedComparisonEqualsTheReferenceExactly) {
  std::vector<EnrolledFinger> fingers;
  for (std::uint64_t f = 1; f <= 10; ++f) {
    const auto m = datasets::generate_master(300 + f, {}, false);
    for (std::uint64_t i = 0; i < 2; ++i)
      fingers.push_back(enroll_finger(datasets::make_impression(m, 40 * f + i, {}, false).observed));
  }
  std::mt19937_64 rng(17);
  for (int k = 0; k < 4; ++k) {  // untidy copies
    EnrolledFinger e = fingers[static_cast<std::size_t>(k)];
    for (std::size_t w = 0; w < e.values.size(); ++w) {
      if (rng() % 7 == 0) e.values[w] |= rng();
      if (rng() % 11 == 0) e.validity[w] = rng();
    }
    refresh_cylinder_stats(e);
    fingers.push_back(e);
  }
  for (int k = 4; k < 7; ++k) {  // counts missing: the comparison recounts them
    EnrolledFinger e = fingers[static_cast<std::size_t>(k)];
    e.stats = {};
    fingers.push_back(e);
  }
  int full = 0, compared = 0, nonzero = 0;
  for (const auto& f : fingers) {
    for (std::size_t c = 0; c < f.size(); ++c) {
      int ones = 0;
      for (int w = 0; w < f.words; ++w) ones += std::popcount(f.validity[c * f.words + w]);
      full += ones == f.disc_cells * 6;
    }
  }
  EXPECT_GT(full, 100);  // the short path is exercised
  MccParams narrow;
  narrow.max_direction_difference = 3.2;
  narrow.max_relaxation_pairs = 0;
  for (const MccParams& base : {MccParams{}, narrow}) {
    for (const SimdLevel level : {SimdLevel::scalar, SimdLevel::sse42, SimdLevel::avx2, SimdLevel::avx512}) {
      MccParams p = base;
      p.simd = level;
      for (const auto& x : fingers) {
        for (const auto& y : fingers) {
          const double fast = compare_fingers(x, y, p);
          ASSERT_EQ(fast, compare_fingers_reference(x, y, p)) << to_string(level);
          ++compared;
          nonzero += fast > 0;
        }
      }
    }
  }
  EXPECT_GT(nonzero, compared / 2);
}

}  // namespace
}  // namespace tunggal
