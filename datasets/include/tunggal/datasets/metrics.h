// Verification error rates from genuine and impostor scores (higher = more
// similar), as the FVC competitions report them.
#pragma once

#include <cstdint>
#include <vector>

namespace tunggal::datasets {

struct ErrorRates {
  double eer = 0;  // equal error rate (mean of FMR and FNMR where they cross)
  double eer_threshold = 0;
  double fmr100 = 0;    // lowest FNMR with FMR <= 1%
  double fmr1000 = 0;   // ... FMR <= 0.1% (needs >= 1,000 impostor scores to mean much)
  double fmr10000 = 0;  // ... FMR <= 0.01%
  double zero_fmr = 0;  // lowest FNMR with no false match
  std::size_t genuine = 0, impostor = 0;
};

ErrorRates error_rates(std::vector<double> genuine, std::vector<double> impostor);

struct DetPoint {
  double threshold, fmr, fnmr;
};
// The DET curve: (FMR, FNMR) at every distinct score, threshold ascending.
std::vector<DetPoint> det_curve(std::vector<double> genuine, std::vector<double> impostor);

// A comparison score with the fingers (or people) of its two samples.
struct ScoredPair {
  int a = 0, b = 0;  // subject ids: equal for a genuine pair
  double score = 0;
};

// How far an EER can be trusted on this many subjects: a percentile
// interval from the subsets bootstrap (Bolle, Ratha and Pankanti, 2004).
// Each round draws as many subjects as there are, with replacement; a drawn
// subject brings its genuine pairs, and an impostor pair counts once per
// two draws holding its subjects. Scores within one subject are correlated,
// so resampling single scores would give a falsely narrow interval.
struct EerInterval {
  double eer = 0;           // on the data as given (for a difference: EER(a) - EER(b))
  double low = 0, high = 0;  // the central `level` share of the rounds' EERs
  int rounds = 0;
  double level = 0.95;
};

// Throws std::invalid_argument for rounds < 1, a level outside (0, 1), or
// no genuine or no impostor pair. The same seed gives the same interval.
EerInterval bootstrap_eer(const std::vector<ScoredPair>& genuine, const std::vector<ScoredPair>& impostor,
                          int rounds, std::uint64_t seed = 1, double level = 0.95);

// Two systems on the same pairs (the same subjects, in the same order):
// EER(a) - EER(b) and its interval, both taken on the same draws in every
// round. Paired, it is far narrower than the two intervals apart, and it
// is what says whether a change helped: an interval wholly below 0 means a
// lowers the EER on these subjects beyond resampling noise. Throws
// std::invalid_argument as bootstrap_eer does, and for different pairs.
EerInterval bootstrap_eer_difference(const std::vector<ScoredPair>& genuine_a, const std::vector<ScoredPair>& impostor_a,
                                     const std::vector<ScoredPair>& genuine_b, const std::vector<ScoredPair>& impostor_b,
                                     int rounds, std::uint64_t seed = 1, double level = 0.95);

// The pairs of one database, for the means over several.
struct PairSet {
  std::vector<ScoredPair> genuine, impostor;
};

// The mean EER over databases (FVC reports the mean over DB1-DB4) and its
// interval, each database's subjects resampled on their own (stratified);
// and the paired difference of two systems' means on the same sets.
EerInterval bootstrap_mean_eer(const std::vector<PairSet>& sets, int rounds, std::uint64_t seed = 1,
                               double level = 0.95);
EerInterval bootstrap_mean_eer_difference(const std::vector<PairSet>& a, const std::vector<PairSet>& b, int rounds,
                                          std::uint64_t seed = 1, double level = 0.95);

}  // namespace tunggal::datasets
