#include "tunggal/datasets/metrics.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

namespace tunggal::datasets {

std::vector<DetPoint> det_curve(std::vector<double> genuine, std::vector<double> impostor) {
  std::sort(genuine.begin(), genuine.end());
  std::sort(impostor.begin(), impostor.end());
  std::vector<double> thresholds = genuine;
  thresholds.insert(thresholds.end(), impostor.begin(), impostor.end());
  std::sort(thresholds.begin(), thresholds.end());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  std::vector<DetPoint> det;
  det.reserve(thresholds.size() + 1);
  const double ng = static_cast<double>(std::max<std::size_t>(1, genuine.size()));
  const double ni = static_cast<double>(std::max<std::size_t>(1, impostor.size()));
  // A comparison is a match when its score >= threshold.
  for (double t : thresholds) {
    const double fnmr =
        static_cast<double>(std::lower_bound(genuine.begin(), genuine.end(), t) - genuine.begin()) /
        ng;
    const double fmr = static_cast<double>(impostor.end() -
                                           std::lower_bound(impostor.begin(), impostor.end(), t)) /
                       ni;
    det.push_back({t, fmr, fnmr});
  }
  // Above every score: nothing matches.
  det.push_back(
      {thresholds.empty() ? 1.0 : thresholds.back() + 1e-9, 0.0, genuine.empty() ? 0.0 : 1.0});
  return det;
}

ErrorRates error_rates(std::vector<double> genuine, std::vector<double> impostor) {
  ErrorRates r;
  r.genuine = genuine.size();
  r.impostor = impostor.size();
  const auto det = det_curve(std::move(genuine), std::move(impostor));
  double best_gap = 2;
  r.fmr100 = r.fmr1000 = r.fmr10000 = r.zero_fmr = 1;
  for (const auto& p : det) {
    const double gap = std::abs(p.fmr - p.fnmr);
    if (gap < best_gap) {
      best_gap = gap;
      r.eer = (p.fmr + p.fnmr) / 2;
      r.eer_threshold = p.threshold;
    }
    if (p.fmr <= 0.01) r.fmr100 = std::min(r.fmr100, p.fnmr);
    if (p.fmr <= 0.001) r.fmr1000 = std::min(r.fmr1000, p.fnmr);
    if (p.fmr <= 0.0001) r.fmr10000 = std::min(r.fmr10000, p.fnmr);
    if (p.fmr <= 0.0) r.zero_fmr = std::min(r.zero_fmr, p.fnmr);
  }
  return r;
}

namespace {

struct Weighted {
  double score, weight;
};

// The EER of weighted scores (a weight counts its score that many times),
// by error_rates' rule: the DET point where FMR and FNMR are closest, at
// every distinct score and above them all. Both lists sorted by score. NaN
// when either side weighs nothing (no rate is defined).
double weighted_eer(const std::vector<Weighted>& genuine, const std::vector<Weighted>& impostor) {
  double total_g = 0, total_i = 0;
  for (const auto& g : genuine) total_g += g.weight;
  for (const auto& i : impostor) total_i += i.weight;
  if (!(total_g > 0 && total_i > 0)) return std::numeric_limits<double>::quiet_NaN();
  double below_g = 0, below_i = 0;  // weight of scores < the threshold
  double best_gap = 2, eer = 0;
  std::size_t gi = 0, ii = 0;
  const auto consider = [&](double fmr, double fnmr) {
    const double gap = std::abs(fmr - fnmr);
    if (gap < best_gap) {
      best_gap = gap;
      eer = (fmr + fnmr) / 2;
    }
  };
  while (gi < genuine.size() || ii < impostor.size()) {
    const double t = gi == genuine.size()    ? impostor[ii].score
                     : ii == impostor.size() ? genuine[gi].score
                                             : std::min(genuine[gi].score, impostor[ii].score);
    consider((total_i - below_i) / total_i, below_g / total_g);
    for (; gi < genuine.size() && genuine[gi].score == t; ++gi) below_g += genuine[gi].weight;
    for (; ii < impostor.size() && impostor[ii].score == t; ++ii) below_i += impostor[ii].weight;
  }
  consider(0.0, genuine.empty() ? 0.0 : 1.0);
  return eer;
}

// The pairs of one system, indexed by subject and sorted by score, whose
// EER can be taken under any subject multiplicities.
class Resampled {
 public:
  Resampled(const std::vector<ScoredPair>& genuine, const std::vector<ScoredPair>& impostor,
            const std::map<int, std::size_t>& index)
      : g_(sorted(genuine, index)), i_(sorted(impostor, index)), wg_(g_.size()), wi_(i_.size()) {}
  double eer(const std::vector<double>& drawn) {
    for (std::size_t k = 0; k < g_.size(); ++k) wg_[k] = {g_[k].score, drawn[g_[k].a]};
    for (std::size_t k = 0; k < i_.size(); ++k) wi_[k] = {i_[k].score, drawn[i_[k].a] * drawn[i_[k].b]};
    return weighted_eer(wg_, wi_);
  }

 private:
  struct Entry {
    double score;
    std::size_t a, b;
  };
  static std::vector<Entry> sorted(const std::vector<ScoredPair>& pairs, const std::map<int, std::size_t>& index) {
    std::vector<Entry> e;
    for (const auto& p : pairs) e.push_back({p.score, index.at(p.a), index.at(p.b)});
    std::sort(e.begin(), e.end(), [](const Entry& x, const Entry& y) { return x.score < y.score; });
    return e;
  }
  std::vector<Entry> g_, i_;
  std::vector<Weighted> wg_, wi_;
};

void check_bootstrap_arguments(const char* what, const std::vector<ScoredPair>& genuine,
                               const std::vector<ScoredPair>& impostor, int rounds, double level) {
  const std::string name = what;
  if (rounds < 1) throw std::invalid_argument(name + ": rounds must be at least 1");
  if (!(level > 0 && level < 1)) throw std::invalid_argument(name + ": level must be in (0, 1)");
  if (genuine.empty() || impostor.empty()) throw std::invalid_argument(name + ": needs genuine and impostor pairs");
  for (const auto& p : genuine)
    if (p.a != p.b) throw std::invalid_argument(name + ": a genuine pair of two subjects");
  for (const auto& p : impostor)
    if (p.a == p.b) throw std::invalid_argument(name + ": an impostor pair of one subject");
}

std::map<int, std::size_t> subject_index(const std::vector<ScoredPair>& genuine,
                                         const std::vector<ScoredPair>& impostor) {
  std::map<int, std::size_t> index;  // subject id -> 0..n-1
  for (const auto& p : genuine) index.emplace(p.a, 0);
  for (const auto& p : impostor) {
    index.emplace(p.a, 0);
    index.emplace(p.b, 0);
  }
  std::size_t n = 0;
  for (auto& entry : index) entry.second = n++;
  return index;
}

// `rounds` values of statistic(draws) over subject draws with replacement,
// one draw per set (stratified: each set's subjects are resampled alone),
// sorted, and the central `level` share's ends. A round that defines no EER
// (NaN: all draws one subject, say) is drawn again.
std::pair<double, double> percentile_interval(const std::vector<std::size_t>& subjects, int rounds,
                                              std::uint64_t seed, double level,
                                              const std::function<double(const std::vector<std::vector<double>>&)>& statistic) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<double>> drawn(subjects.size());
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(rounds));
  std::int64_t redraws = 0;
  for (int round = 0; round < rounds;) {
    for (std::size_t set = 0; set < subjects.size(); ++set) {
      std::uniform_int_distribution<std::size_t> pick(0, subjects[set] - 1);
      drawn[set].assign(subjects[set], 0.0);
      for (std::size_t k = 0; k < subjects[set]; ++k) drawn[set][pick(rng)] += 1;
    }
    const double v = statistic(drawn);
    if (std::isnan(v)) {
      if (++redraws > 100 * static_cast<std::int64_t>(rounds) + 1000)
        throw std::invalid_argument("bootstrap: too few subjects to resample");
      continue;
    }
    values.push_back(v);
    ++round;
  }
  std::sort(values.begin(), values.end());
  const double tail = (1 - level) / 2 * static_cast<double>(rounds - 1);
  return {values[static_cast<std::size_t>(std::floor(tail))],
          values[static_cast<std::size_t>(std::ceil(static_cast<double>(rounds - 1) - tail))]};
}

// Each set's subjects and scores, ready to resample.
struct Strata {
  std::vector<std::size_t> subjects;
  std::vector<Resampled> systems;
  explicit Strata(const std::vector<PairSet>& sets) {
    for (const auto& set : sets) {
      const auto index = subject_index(set.genuine, set.impostor);
      subjects.push_back(index.size());
      systems.emplace_back(set.genuine, set.impostor, index);
    }
  }
  double mean_eer(const std::vector<std::vector<double>>& drawn) {
    double sum = 0;
    for (std::size_t k = 0; k < systems.size(); ++k) sum += systems[k].eer(drawn[k]);
    return sum / static_cast<double>(systems.size());
  }
  std::vector<std::vector<double>> once() const {
    std::vector<std::vector<double>> d;
    for (std::size_t n : subjects) d.emplace_back(n, 1.0);
    return d;
  }
};

void check_sets(const char* what, const std::vector<PairSet>& sets, int rounds, double level) {
  if (sets.empty()) throw std::invalid_argument(std::string(what) + ": no sets");
  for (const auto& set : sets) check_bootstrap_arguments(what, set.genuine, set.impostor, rounds, level);
}

bool same_pairs(const std::vector<ScoredPair>& x, const std::vector<ScoredPair>& y) {
  if (x.size() != y.size()) return false;
  for (std::size_t k = 0; k < x.size(); ++k)
    if (x[k].a != y[k].a || x[k].b != y[k].b) return false;
  return true;
}

}  // namespace

EerInterval bootstrap_mean_eer(const std::vector<PairSet>& sets, int rounds, std::uint64_t seed, double level) {
  check_sets("bootstrap_mean_eer", sets, rounds, level);
  Strata strata(sets);
  EerInterval r;
  r.eer = strata.mean_eer(strata.once());
  r.rounds = rounds;
  r.level = level;
  std::tie(r.low, r.high) = percentile_interval(strata.subjects, rounds, seed, level,
                                                [&](const auto& d) { return strata.mean_eer(d); });
  return r;
}

EerInterval bootstrap_mean_eer_difference(const std::vector<PairSet>& a, const std::vector<PairSet>& b, int rounds,
                                          std::uint64_t seed, double level) {
  check_sets("bootstrap_mean_eer_difference", a, rounds, level);
  if (a.size() != b.size())
    throw std::invalid_argument("bootstrap_mean_eer_difference: the two systems must score the same sets");
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (!same_pairs(a[k].genuine, b[k].genuine) || !same_pairs(a[k].impostor, b[k].impostor))
      throw std::invalid_argument(
          "bootstrap_mean_eer_difference: the two systems must score the same pairs, in the same order");
  }
  Strata sa(a), sb(b);
  EerInterval r;
  const auto once = sa.once();
  r.eer = sa.mean_eer(once) - sb.mean_eer(once);
  r.rounds = rounds;
  r.level = level;
  std::tie(r.low, r.high) = percentile_interval(sa.subjects, rounds, seed, level,
                                                [&](const auto& d) { return sa.mean_eer(d) - sb.mean_eer(d); });
  return r;
}

EerInterval bootstrap_eer(const std::vector<ScoredPair>& genuine, const std::vector<ScoredPair>& impostor,
                          int rounds, std::uint64_t seed, double level) {
  return bootstrap_mean_eer({PairSet{genuine, impostor}}, rounds, seed, level);
}

EerInterval bootstrap_eer_difference(const std::vector<ScoredPair>& genuine_a, const std::vector<ScoredPair>& impostor_a,
                                     const std::vector<ScoredPair>& genuine_b, const std::vector<ScoredPair>& impostor_b,
                                     int rounds, std::uint64_t seed, double level) {
  return bootstrap_mean_eer_difference({PairSet{genuine_a, impostor_a}}, {PairSet{genuine_b, impostor_b}}, rounds,
                                       seed, level);
}

}  // namespace tunggal::datasets
