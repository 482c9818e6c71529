// One hash table of the fingerprint index: key -> the gallery slots filed
// under it. Compact, because a gallery files 16 keys per cylinder (about
// 6,400 per person): a sorted run of (low key bits, slot) entries, 6 bytes
// each, found through a directory on the high key bits; plus a small hash
// map of recent additions, merged into the run when it reaches an eighth of
// it (so each entry is copied a bounded number of times). A bucket's size
// (the rarity weight, the stop-word cap) counts both parts.
// Not thread-safe for writes; reads may run in parallel with each other.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tunggal::detail {

class Postings {
 public:
  explicit Postings(int key_bits = 24);

  void add(std::uint32_t key, std::uint32_t slot);
  // Many (key, slot) pairs at once, slots not below any added before: sorted
  // and merged straight into the run (a bulk load skips the hash map).
  void add(std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs);

  struct Bucket {
    std::span<const std::uint32_t> merged;
    const std::vector<std::uint32_t>* recent = nullptr;
    std::size_t size() const { return merged.size() + (recent ? recent->size() : 0); }
    template <typename F>
    void for_each(F&& f) const {
      for (const std::uint32_t s : merged) f(s);
      if (recent)
        for (const std::uint32_t s : *recent) f(s);
    }
  };
  Bucket find(std::uint32_t key) const;

  std::size_t size() const { return slots_.size() + recent_size_; }
  std::size_t memory_bytes() const;

 private:
  void merge(std::vector<std::pair<std::uint32_t, std::uint32_t>> fresh = {});
  int key_bits_, low_bits_ = 0;
  std::vector<std::uint32_t> dir_;  // [prefix] -> first entry; one past the last at the end
  std::vector<std::uint16_t> lows_;  // sorted by (prefix, low), slots ascending within a key
  std::vector<std::uint32_t> slots_;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> recent_;
  std::size_t recent_size_ = 0;
};

}  // namespace tunggal::detail
