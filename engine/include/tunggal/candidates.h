// Candidate search: which gallery people deserve a full comparison. Two
// indexes feed the gallery's fast path, each tunable here:
//  - fingerprints: locality-sensitive hashing of MCC cylinders (after
//    Cappelli, Ferrara, Maltoni, "Fingerprint indexing based on Minutia
//    Cylinder-Code", IEEE TPAMI 2011): each cylinder is hashed by L keys of
//    h bits; a gallery person's vote is the number of (probe cylinder, table)
//    keys that collide with one of their cylinders, summed over the fingers;
//  - faces: exact inner-product search over int8-quantised unit embeddings
//    with a runtime-dispatched SIMD kernel (FAISS measured beside it in
//    benchmarks/).
#pragma once

#include <cstddef>
#include <cstdint>

namespace tunggal {

struct FingerIndexParams {
  // L hash tables, each keyed by h pooled bits. Cylinder bits are sparse (a
  // cell is set when a neighbour of the right direction lies within about
  // 15 px), so a key of raw bits would nearly always be zero. Each key bit
  // is instead the OR of a 2x2 block of cells over 2 adjacent directions
  // (8 bits, set about half the time), which also tolerates small
  // displacements.
  // Tuned on generated populations (1,000 people, 200 applicants, top 2
  // proposed): h 12 / 16 / 20 / 24 / 28 missed 8% / 2% / 1% / 1% / 4% of
  // mates with L = 24; L = 16 at h = 24 missed the same 1% visiting a third
  // fewer bucket entries than L = 24 at h = 20.
  int tables = 16;
  int bits_per_key = 24;
  // Blocks are drawn from the inner part of the disc (this share of the
  // radius), whose cells are valid for nearly every cylinder. A key is used
  // only when every cell it pools is valid.
  double inner_radius_share = 0.8;
  // A bucket holding more than this share of the gallery's cylinders at its
  // finger position says little ("stop words"); probes skip it.
  // Small galleries skip nothing: the cap is never below min_bucket_cap.
  double max_bucket_share = 0.02;
  std::size_t min_bucket_cap = 256;
  std::uint64_t seed = 0x7475'6e67'6761'6cULL;  // fixed: keys must not change between runs
};

}  // namespace tunggal
