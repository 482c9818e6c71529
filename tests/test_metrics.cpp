#include <gtest/gtest.h>

#include "tunggal/datasets/metrics.h"

namespace tunggal::datasets {
namespace {

TEST(Metrics, SeparatedScoresHaveNoErrors) {
  const auto r = error_rates({0.8, 0.9, 0.95}, {0.1, 0.2, 0.3});
  EXPECT_DOUBLE_EQ(r.eer, 0.0);
  EXPECT_DOUBLE_EQ(r.zero_fmr, 0.0);
  EXPECT_EQ(r.genuine, 3u);
}

TEST(Metrics, KnownOverlap) {
  // Genuine 0.1..1.0 (10 scores), impostor 0.05..0.5 (10 scores): at a
  // threshold of 0.3, FNMR = 2/10 (0.1, 0.2) and FMR = 5/10 (0.3..0.5 in
  // steps of 0.05 that are >= 0.3).
  std::vector<double> g, im;
  for (int i = 1; i <= 10; ++i) g.push_back(i / 10.0);
  for (int i = 1; i <= 10; ++i) im.push_back(i / 20.0);
  const auto det = det_curve(g, im);
  bool found = false;
  for (const auto& p : det) {
    if (std::abs(p.threshold - 0.3) < 1e-12) {
      EXPECT_DOUBLE_EQ(p.fnmr, 0.2);
      EXPECT_DOUBLE_EQ(p.fmr, 0.5);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  const auto r = error_rates(g, im);
  EXPECT_GT(r.eer, 0.2);
  EXPECT_LT(r.eer, 0.4);
  EXPECT_DOUBLE_EQ(r.zero_fmr, 0.5);  // threshold just above 0.5 rejects 0.1..0.5
  EXPECT_LE(r.fmr100, r.zero_fmr);
}

}  // namespace
}  // namespace tunggal::datasets
