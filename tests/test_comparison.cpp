#include <gtest/gtest.h>

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
    EXPECT_DOUBLE_EQ(g, compare_fingers(second[i], first[i]));
    genuine += g;
    for (std::size_t j = 0; j < second.size(); ++j) {
      if (j == i) continue;
      const double s = compare_fingers(first[i], second[j]);
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

}  // namespace
}  // namespace tunggal
