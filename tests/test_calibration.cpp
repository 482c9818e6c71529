#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tunggal/calibration.h"
#include "tunggal/error.h"

namespace tunggal {
namespace {

// Impostor scores drawn from an exponential tail: FMR(t) = exp(-rate * t),
// so the true calibrated score is 10 * rate * t / ln 10.
std::vector<double> exponential_impostors(std::size_t n, double rate, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> d(rate);
  std::vector<double> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(Calibration, FitRecoversAKnownTailAndExtrapolatesIt) {
  const double rate = 40;
  const auto imp = exponential_impostors(200000, rate, 3);
  const auto table = ScoreCalibration::fit("test", "exponential", imp);
  const auto truth = [&](double t) { return 10 * rate * t / std::log(10.0); };
  // Measured range: down to 10 / 200000 = 5e-5, score 43. A quantile from
  // k impostors has a standard deviation of about 4.3 / sqrt(k) score units:
  // 0.3 at score 30 (200 impostors), 1 at score 40 (20).
  for (double s : {5.0, 10.0, 20.0, 30.0, 40.0}) {
    const double t = s * std::log(10.0) / (10 * rate);
    EXPECT_NEAR(table.calibrate(t), truth(t), s < 35 ? 1.0 : 2.5) << "score " << s;
  }
  // Extrapolated: within 3 units (a factor 2 in FMR) up to 1e-8.
  for (double s : {60.0, 80.0}) {
    const double t = s * std::log(10.0) / (10 * rate);
    EXPECT_NEAR(table.calibrate(t), truth(t), 3.0) << "score " << s;
  }
  EXPECT_EQ(table.calibrate(-1), 0.0);
  EXPECT_EQ(table.calibrate(1e9), table.score_points().back());
  // Monotone, and raw_for inverts calibrate.
  double last = -1;
  for (double t = 0; t < 1.0; t += 0.001) {
    const double s = table.calibrate(t);
    EXPECT_GE(s, last);
    last = s;
  }
  for (double s : {10.0, 30.0, 40.0, 70.0}) EXPECT_NEAR(table.calibrate(table.raw_for(s)), s, 1e-6);
}

TEST(Calibration, FmrAndScoreConvert) {
  EXPECT_NEAR(fmr_for_score(30), 1e-3, 1e-12);
  EXPECT_NEAR(fmr_for_score(40), 1e-4, 1e-12);
  EXPECT_NEAR(score_for_fmr(1e-3), 30, 1e-9);
  EXPECT_EQ(score_for_fmr(1), 0);
}

TEST(Calibration, TextRoundTripsAndMalformedTablesAreRejectedByLine) {
  const auto table = ScoreCalibration::fit("t", "s", exponential_impostors(5000, 30, 4));
  const auto back = ScoreCalibration::parse(table.to_text());
  EXPECT_EQ(back.name(), "t");
  EXPECT_EQ(back.source(), "s");
  ASSERT_EQ(back.raw_points().size(), table.raw_points().size());
  for (std::size_t i = 0; i < back.raw_points().size(); ++i)
    EXPECT_NEAR(back.raw_points()[i], table.raw_points()[i], 1e-9);
  // Raw points that differ only past the tenth digit (found by fuzz_text):
  // written with every digit, so they read back distinct and exact.
  const auto close = ScoreCalibration::parse("name=c\nsource=s\nraw,score\n0,0\n0.0122701,1\n1.27081767662971,1\n1.27081767662977248,120\n");
  const auto again = ScoreCalibration::parse(close.to_text());
  ASSERT_EQ(again.raw_points().size(), 4u);
  EXPECT_EQ(again.raw_points()[2], close.raw_points()[2]);
  EXPECT_EQ(again.raw_points()[3], close.raw_points()[3]);

  const auto rejects = [](const std::string& text, const std::string& why) {
    try {
      ScoreCalibration::parse(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::malformed_data);
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  rejects("", "no raw,score header");
  rejects("0,0\n1,10\n", "line 1");
  rejects("raw,score\n0,0\nx,10\n", "line 3, raw: 'x' is not a number");
  rejects("raw,score\n0,0\n1,nan\n", "line 3");
  rejects("raw,score\n0,0\n1,10\n0.5,20\n", "increase strictly");
  rejects("raw,score\n0,0\n1,10\n2,5\n", "must not decrease");
  rejects("raw,score\n0,5\n1,10\n", "score 0");
  rejects("raw,score\n0,0\n", "at least two points");
}

TEST(Calibration, FitRefusesTooLittleData) {
  EXPECT_THROW(ScoreCalibration::fit("t", "s", std::vector<double>(50, 0.1)), Error);
  EXPECT_THROW(ScoreCalibration::fit("t", "s", std::vector<double>(5000, 0.1)), Error);  // no tail
}

TEST(Calibration, ShippedFingerTableIsValidAndDocumented) {
  const auto& t = default_finger_calibration();
  EXPECT_EQ(t.name(), "mcc16-lssr-v2");
  EXPECT_NE(t.source().find("impostor scores"), std::string::npos);
  EXPECT_GE(t.score_points().back(), 100);
  // A threshold of 30 is a stricter raw score than one of 20.
  EXPECT_GT(t.raw_for(30), t.raw_for(20));
  EXPECT_GT(t.raw_for(30), 0.0);
}

}  // namespace
}  // namespace tunggal
