// MCC locality-sensitive hashing index over the gallery's fingers (see
// tunggal/candidates.h for the method and its parameters). One set of L
// tables per finger position: a probe's right thumb only meets right thumbs.
// Not thread-safe for writes; the gallery adds under its write lock and
// votes under its read lock.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "tunggal/candidates.h"
#include "postings.h"
#include "tunggal/comparison.h"

namespace tunggal::detail {

class FingerIndex {
 public:
  static constexpr std::uint32_t kNoKey = 0xffff'ffffu;  // a key pooling an invalid cell

  FingerIndex(const FingerIndexParams& p, const MccParams& mcc);

  // The L keys of every cylinder, cylinder-major (kNoKey where unusable).
  // Pure and thread-safe: computed outside the gallery lock.
  std::vector<std::uint32_t> keys(const EnrolledFinger& f) const;

  struct Addition {
    std::uint32_t slot;
    int position;
    std::span<const std::uint32_t> keys;
  };
  // Adds many fingers at once, the tables filled in parallel (each
  // (position, table) pair is its own hash map).
  void add(std::span<const Addition> additions);

  // Adds, for every gallery slot, the colliding (cylinder, table) keys of
  // this probe finger, each weighted by its bucket's rarity and divided by
  // the square root of the gallery finger's cylinder count; returns the
  // bucket entries visited (cost).
  std::size_t vote(int position, std::span<const std::uint32_t> keys, std::span<float> votes) const;

  int tables() const { return static_cast<int>(tables_.size()); }
  std::size_t memory_bytes() const;  // of the tables, roughly

 private:
  struct PooledBit {
    std::array<std::uint16_t, 8> bits;  // the cylinder bit indexes OR'ed together
  };
  struct Table {
    std::vector<PooledBit> key_bits;  // bits_per_key of them
  };
  FingerIndexParams p_;
  std::vector<Table> tables_;
  // [position][table] -> key -> slots (a slot repeats when several of its
  // cylinders share the key: that is a collision count too).
  std::array<std::vector<Postings>, 11> buckets_;
  std::array<std::size_t, 11> cylinders_{};  // per position, for the stop-word share
  std::array<std::vector<float>, 11> norm_;   // [position][slot] 1 / sqrt(cylinders)
};

}  // namespace tunggal::detail
