#include "finger_index.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <tbb/parallel_for.h>

#include "tunggal/error.h"

namespace tunggal::detail {
namespace {

bool bit_set(const std::uint64_t* words, int bit) { return (words[bit / 64] >> (bit % 64)) & 1u; }

}  // namespace

FingerIndex::FingerIndex(const FingerIndexParams& p, const MccParams& mcc) : p_(p) {
  if (p.tables < 1 || p.tables > 256 || p.bits_per_key < 1 || p.bits_per_key > 30)
    throw Error(ErrorCode::invalid_argument, "finger index: tables must be 1-256 and bits_per_key 1-30");
  // Disc cells in the order enroll_finger numbers them (row-major over the
  // Ns x Ns square, disc cells only).
  const int ns = mcc.ns, nd = mcc.nd;
  std::vector<int> cell_of(static_cast<std::size_t>(ns * ns), -1);
  std::vector<double> radius_of(cell_of.size(), 0);
  int disc = 0;
  for (int i = 0; i < ns; ++i) {
    for (int j = 0; j < ns; ++j) {
      const double u = (i + 0.5 - ns / 2.0) * 2 * mcc.radius / ns, v = (j + 0.5 - ns / 2.0) * 2 * mcc.radius / ns;
      radius_of[static_cast<std::size_t>(i * ns + j)] = std::hypot(u, v);
      if (u * u + v * v <= mcc.radius * mcc.radius) cell_of[static_cast<std::size_t>(i * ns + j)] = disc++;
    }
  }
  // Candidate pooled bits: 2x2 blocks wholly in the inner disc, times a pair
  // of adjacent direction sections (wrapping).
  std::vector<PooledBit> pool;
  for (int i = 0; i + 1 < ns; ++i) {
    for (int j = 0; j + 1 < ns; ++j) {
      int cells[4];
      bool inner = true;
      for (int c = 0; c < 4; ++c) {
        const std::size_t at = static_cast<std::size_t>((i + c / 2) * ns + j + c % 2);
        cells[c] = cell_of[at];
        inner = inner && cells[c] >= 0 && radius_of[at] <= p.inner_radius_share * mcc.radius;
      }
      if (!inner) continue;
      for (int k = 0; k < nd; ++k) {
        PooledBit b;
        for (int c = 0; c < 4; ++c) {
          b.bits[static_cast<std::size_t>(2 * c)] = static_cast<std::uint16_t>(cells[c] * nd + k);
          b.bits[static_cast<std::size_t>(2 * c + 1)] = static_cast<std::uint16_t>(cells[c] * nd + (k + 1) % nd);
        }
        pool.push_back(b);
      }
    }
  }
  if (pool.size() < static_cast<std::size_t>(p.bits_per_key))
    throw Error(ErrorCode::invalid_argument, "finger index: too few inner cells for bits_per_key");
  std::mt19937_64 rng(p.seed);
  tables_.resize(static_cast<std::size_t>(p.tables));
  for (auto& t : tables_) {
    std::vector<PooledBit> draw = pool;
    std::shuffle(draw.begin(), draw.end(), rng);
    t.key_bits.assign(draw.begin(), draw.begin() + p.bits_per_key);
  }
  for (auto& per_position : buckets_) per_position.assign(tables_.size(), Postings(p.bits_per_key));
}

std::vector<std::uint32_t> FingerIndex::keys(const EnrolledFinger& f) const {
  std::vector<std::uint32_t> out(f.size() * tables_.size(), kNoKey);
  const auto words = static_cast<std::size_t>(f.words);
  for (std::size_t c = 0; c < f.size(); ++c) {
    const std::uint64_t* value = &f.values[c * words];
    const std::uint64_t* valid = &f.validity[c * words];
    for (std::size_t t = 0; t < tables_.size(); ++t) {
      std::uint32_t key = 0;
      bool usable = true;
      for (const PooledBit& b : tables_[t].key_bits) {
        bool any = false;
        for (const std::uint16_t bit : b.bits) {
          usable = usable && bit_set(valid, bit);
          any = any || bit_set(value, bit);
        }
        key = key << 1 | static_cast<std::uint32_t>(any);
      }
      if (usable) out[c * tables_.size() + t] = key;
    }
  }
  return out;
}

void FingerIndex::add(std::span<const Addition> additions) {
  const std::size_t n = tables_.size();
  for (const Addition& a : additions) {
    const auto pos = static_cast<std::size_t>(a.position);
    if (pos < 1 || pos >= buckets_.size() || a.keys.size() % n != 0)
      throw Error(ErrorCode::internal, "finger index: bad position or key count");
    const std::size_t cylinders = a.keys.size() / n;
    cylinders_[pos] += cylinders;
    auto& norm = norm_[pos];
    if (norm.size() <= a.slot) norm.resize(a.slot + 1, 0.0f);
    norm[a.slot] = cylinders == 0 ? 0.0f : static_cast<float>(1.0 / std::sqrt(static_cast<double>(cylinders)));
  }
  // One task per (position, table): each fills its own table.
  const auto fill = [&](std::size_t job) {
    const auto position = static_cast<int>(job / n);
    const std::size_t t = job % n;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
    for (const Addition& a : additions) {
      if (a.position != position) continue;
      for (std::size_t i = t; i < a.keys.size(); i += n)
        if (a.keys[i] != kNoKey) pairs.emplace_back(a.keys[i], a.slot);
    }
    buckets_[static_cast<std::size_t>(position)][t].add(std::move(pairs));
  };
  tbb::parallel_for(std::size_t{0}, buckets_.size() * n, fill);
}

std::size_t FingerIndex::vote(int position, std::span<const std::uint32_t> keys, std::span<float> votes) const {
  const auto& per_table = buckets_.at(static_cast<std::size_t>(position));
  const std::size_t n = tables_.size();
  const double cylinders = static_cast<double>(cylinders_[static_cast<std::size_t>(position)]);
  const auto cap = std::max(p_.min_bucket_cap, static_cast<std::size_t>(p_.max_bucket_share * cylinders));
  // Big templates collide more by chance: a gallery finger's votes are
  // divided by the square root of its cylinder count.
  const auto& norm = norm_[static_cast<std::size_t>(position)];
  std::size_t visited = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == kNoKey) continue;
    const Postings::Bucket bucket = per_table[i % n].find(keys[i]);
    const std::size_t size = bucket.size();
    if (size == 0 || size > cap) continue;
    // A collision in a crowded bucket is weak evidence: weight it by the
    // bucket's rarity (inverse document frequency, as in text retrieval).
    const auto weight = static_cast<float>(std::log2(1.0 + cylinders / static_cast<double>(size)));
    bucket.for_each([&](std::uint32_t slot) {
      if (slot < votes.size()) votes[slot] += weight * norm[slot];
    });
    visited += size;
  }
  return visited;
}

}  // namespace tunggal::detail

namespace tunggal::detail {

std::size_t FingerIndex::memory_bytes() const {
  std::size_t bytes = 0;
  for (const auto& per_position : buckets_)
    for (const auto& table : per_position) bytes += table.memory_bytes();
  for (const auto& norm : norm_) bytes += norm.capacity() * sizeof(float);
  return bytes;
}

}  // namespace tunggal::detail
