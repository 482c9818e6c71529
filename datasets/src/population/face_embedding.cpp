// Synthetic face embeddings, named as such everywhere (model id
// "synthetic-arcface512-v1"). An identity is a unit vector with part of its
// variance in a shared low-rank subspace (so impostors correlate as real
// embeddings do, above the 1/sqrt(d) of random vectors); a capture adds
// isotropic noise whose strength varies per capture (pose, light, ageing),
// which spreads the genuine scores.
#include <algorithm>
#include <cmath>

#include "../synthetic/rng.h"
#include "tunggal/datasets/population.h"

namespace tunggal::datasets {
namespace {

void normalise(std::vector<double>& v) {
  double n = 0;
  for (double x : v) n += x * x;
  n = std::sqrt(n);
  for (double& x : v) x /= n;
}

// The shared subspace is the same for every population (fixed seed), as the
// embedding space of one model is.
std::vector<std::vector<double>> structure_basis(int rank, int dims) {
  synth::Rng rng(0x5EEDFACEull);
  std::vector<std::vector<double>> basis(rank, std::vector<double>(dims));
  for (auto& b : basis) {
    for (double& x : b) x = rng.normal();
    normalise(b);
  }
  return basis;
}

}  // namespace

std::vector<float> synthetic_face_identity(std::uint64_t seed, const SyntheticFaceParams& p) {
  synth::Rng rng(seed);
  std::vector<double> g(p.dimensions), w(p.dimensions, 0.0);
  for (double& x : g) x = rng.normal();
  normalise(g);
  static const auto default_basis =
      structure_basis(SyntheticFaceParams{}.structure_rank, SyntheticFaceParams{}.dimensions);
  const bool is_default = p.structure_rank == SyntheticFaceParams{}.structure_rank &&
                          p.dimensions == SyntheticFaceParams{}.dimensions;
  const auto basis = is_default ? default_basis : structure_basis(p.structure_rank, p.dimensions);
  for (const auto& b : basis) {
    const double z = rng.normal();
    for (int i = 0; i < p.dimensions; ++i) w[i] += z * b[i];
  }
  normalise(w);
  std::vector<double> mu(p.dimensions);
  const double a = std::sqrt(1 - p.structure_share), s = std::sqrt(p.structure_share);
  for (int i = 0; i < p.dimensions; ++i) mu[i] = a * g[i] + s * w[i];
  normalise(mu);
  return {mu.begin(), mu.end()};
}

FaceTemplate synthetic_face_sample(const std::vector<float>& identity, std::uint64_t seed,
                                   const SyntheticFaceParams& p) {
  synth::Rng rng(seed);
  const double scale = p.noise_scale * std::exp(p.noise_spread * rng.normal());
  std::vector<double> n(identity.size());
  for (double& x : n) x = rng.normal();
  normalise(n);
  std::vector<double> e(identity.size());
  for (std::size_t i = 0; i < e.size(); ++i) e[i] = identity[i] + scale * n[i];
  normalise(e);
  FaceTemplate f;
  f.model = kSyntheticFaceModel;
  f.embedding.assign(e.begin(), e.end());
  // Quality falls as the capture noise grows (1.0 at the median scale ~ 60).
  f.quality = static_cast<std::uint8_t>(std::clamp(std::lround(100.0 - 55.0 * scale), 1L, 100L));
  return f;
}

}  // namespace tunggal::datasets
