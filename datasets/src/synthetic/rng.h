// Deterministic random numbers for the generator. Everything here is exactly
// specified (SplitMix64, our own uniform/normal transforms) so that a seed
// gives byte-identical output with any standard library: std::*_distribution
// is implementation-defined and is not used.
#pragma once

#include <cmath>
#include <cstdint>

namespace tunggal::datasets::synth {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A seed for an entity (person, finger, impression...) derived from the run's
// seed, so entities can be generated in any order and in parallel.
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0,
                                 std::uint64_t c = 0) {
  std::uint64_t h = splitmix64(seed ^ 0x7475'6e67ull);
  h = splitmix64(h ^ a);
  h = splitmix64(h ^ (b + 0x100000001ull));
  return splitmix64(h ^ (c + 0x200000003ull));
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  bool chance(double p) { return uniform() < p; }
  // Standard normal (Box-Muller, one value per call, no cached state).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }

 private:
  std::uint64_t state_;
};

}  // namespace tunggal::datasets::synth
