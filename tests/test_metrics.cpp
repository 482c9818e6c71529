#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

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

// Scores of `fingers` subjects, `impressions` each: genuine scores around 0.6,
// impostor scores around 0.3, with a per-finger shift (some fingers are
// harder: what makes scores within a finger correlated).
void make_scores(int fingers, int impressions, std::uint64_t seed, std::vector<ScoredPair>& genuine,
                 std::vector<ScoredPair>& impostor) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, 0.1), shift(0, 0.08);
  std::vector<double> hard(static_cast<std::size_t>(fingers));
  for (auto& h : hard) h = shift(rng);
  for (int f = 0; f < fingers; ++f) {
    for (int pair = 0; pair < impressions * (impressions - 1) / 2; ++pair)
      genuine.push_back({f, f, 0.6 + hard[static_cast<std::size_t>(f)] + noise(rng)});
    for (int g = f + 1; g < fingers; ++g) impostor.push_back({f, g, 0.3 + noise(rng)});
  }
}

std::vector<double> scores_of(const std::vector<ScoredPair>& pairs) {
  std::vector<double> v;
  for (const auto& p : pairs) v.push_back(p.score);
  return v;
}

TEST(Metrics, BootstrapEerOnTheDataEqualsErrorRates) {
  std::vector<ScoredPair> g, im;
  make_scores(10, 8, 3, g, im);
  const auto r = bootstrap_eer(g, im, 200);
  EXPECT_DOUBLE_EQ(r.eer, error_rates(scores_of(g), scores_of(im)).eer);
  EXPECT_GT(r.eer, 0.0);
  EXPECT_LE(r.low, r.eer);
  EXPECT_GE(r.high, r.eer);
  EXPECT_LT(r.low, r.high);
  EXPECT_EQ(r.rounds, 200);
  // The same seed, the same interval; another seed, another draw of it.
  const auto again = bootstrap_eer(g, im, 200);
  EXPECT_EQ(again.low, r.low);
  EXPECT_EQ(again.high, r.high);
  const auto other = bootstrap_eer(g, im, 200, 2);
  EXPECT_EQ(other.eer, r.eer);
  EXPECT_TRUE(other.low != r.low || other.high != r.high);
}

TEST(Metrics, BootstrapIntervalNarrowsWithMoreSubjects) {
  std::vector<ScoredPair> g10, i10, g160, i160;
  make_scores(10, 8, 5, g10, i10);
  make_scores(160, 8, 5, g160, i160);
  const auto small = bootstrap_eer(g10, i10, 300), large = bootstrap_eer(g160, i160, 300);
  EXPECT_LT(large.high - large.low, 0.6 * (small.high - small.low))
      << "10 fingers [" << small.low << ", " << small.high << "], 160 fingers [" << large.low << ", "
      << large.high << "]";
}

TEST(Metrics, BootstrapOfSeparatedScoresIsZeroAndBadArgumentsAreRefused) {
  const std::vector<ScoredPair> g = {{1, 1, 0.9}, {2, 2, 0.8}, {3, 3, 0.95}};
  const std::vector<ScoredPair> im = {{1, 2, 0.1}, {1, 3, 0.2}, {2, 3, 0.3}};
  const auto r = bootstrap_eer(g, im, 50);
  EXPECT_EQ(r.eer, 0.0);
  EXPECT_EQ(r.low, 0.0);
  EXPECT_EQ(r.high, 0.0);
  EXPECT_THROW(bootstrap_eer(g, im, 0), std::invalid_argument);
  EXPECT_THROW(bootstrap_eer(g, im, 10, 1, 1.0), std::invalid_argument);
  EXPECT_THROW(bootstrap_eer({}, im, 10), std::invalid_argument);
  EXPECT_THROW(bootstrap_eer(g, {}, 10), std::invalid_argument);
  EXPECT_THROW(bootstrap_eer({{1, 2, 0.9}}, im, 10), std::invalid_argument);  // "genuine" across subjects
  EXPECT_THROW(bootstrap_eer(g, {{1, 1, 0.1}}, 10), std::invalid_argument);   // "impostor" of one subject
}

// The paired difference: zero against itself; a system whose genuine scores
// are all lowered (a real loss) is found worse beyond noise, with a paired
// interval narrower than either system's own.
TEST(Metrics, PairedEerDifferenceSeesWhatSeparateIntervalsCannot) {
  std::vector<ScoredPair> g, im;
  make_scores(10, 8, 7, g, im);
  const auto same = bootstrap_eer_difference(g, im, g, im, 300);
  EXPECT_EQ(same.eer, 0.0);
  EXPECT_EQ(same.low, 0.0);
  EXPECT_EQ(same.high, 0.0);
  std::vector<ScoredPair> worse = g;
  for (auto& p : worse) p.score -= 0.1;
  const auto d = bootstrap_eer_difference(worse, im, g, im, 300);
  EXPECT_GT(d.eer, 0.0);
  EXPECT_GT(d.low, 0.0) << "[" << d.low << ", " << d.high << "]";
  const auto alone = bootstrap_eer(g, im, 300), alone_worse = bootstrap_eer(worse, im, 300);
  EXPECT_LT(d.high - d.low, alone.high - alone.low);
  EXPECT_LT(alone_worse.low, alone.high);  // apart, the two intervals overlap: they cannot tell
  std::vector<ScoredPair> other = im;
  other.pop_back();
  EXPECT_THROW(bootstrap_eer_difference(g, im, g, other, 10), std::invalid_argument);
  other = im;
  std::swap(other.front(), other.back());
  EXPECT_THROW(bootstrap_eer_difference(g, im, g, other, 10), std::invalid_argument);
}

// The mean over databases: the mean of their EERs, resampled database by
// database, so its interval is narrower than theirs.
TEST(Metrics, MeanEerOverSetsIsStratified) {
  std::vector<PairSet> sets(4);
  double mean = 0, widths = 0;
  for (std::size_t k = 0; k < sets.size(); ++k) {
    make_scores(10, 8, 20 + k, sets[k].genuine, sets[k].impostor);
    const auto one = bootstrap_eer(sets[k].genuine, sets[k].impostor, 300);
    mean += one.eer / 4;
    widths += (one.high - one.low) / 4;
  }
  const auto r = bootstrap_mean_eer(sets, 300);
  EXPECT_NEAR(r.eer, mean, 1e-12);
  EXPECT_LE(r.low, r.eer);
  EXPECT_GE(r.high, r.eer);
  EXPECT_LT(r.high - r.low, 0.8 * widths) << "mean of four: [" << r.low << ", " << r.high << "]";
  const auto d = bootstrap_mean_eer_difference(sets, sets, 50);
  EXPECT_EQ(d.low, 0.0);
  EXPECT_EQ(d.high, 0.0);
  EXPECT_THROW(bootstrap_mean_eer({}, 10), std::invalid_argument);
  EXPECT_THROW(bootstrap_mean_eer_difference(sets, {sets[0]}, 10), std::invalid_argument);
}

}  // namespace
}  // namespace tunggal::datasets
