#include "postings.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace tunggal::detail {

Postings::Postings(int key_bits) : key_bits_(key_bits) {}

void Postings::add(std::uint32_t key, std::uint32_t slot) {
  recent_[key].push_back(slot);
  ++recent_size_;
  if (recent_size_ > std::max<std::size_t>(1024, slots_.size() / 8)) merge();
}

Postings::Bucket Postings::find(std::uint32_t key) const {
  Bucket b;
  if (!dir_.empty()) {
    const std::uint32_t prefix = key >> low_bits_;
    const auto low = static_cast<std::uint16_t>(key & ((1u << low_bits_) - 1));
    const auto first = lows_.begin() + dir_[prefix], last = lows_.begin() + dir_[prefix + 1];
    const auto [lo, hi] = std::equal_range(first, last, low);
    b.merged = std::span(slots_).subspan(static_cast<std::size_t>(lo - lows_.begin()), static_cast<std::size_t>(hi - lo));
  }
  if (const auto it = recent_.find(key); it != recent_.end()) b.recent = &it->second;
  return b;
}

std::size_t Postings::memory_bytes() const {
  std::size_t bytes = dir_.capacity() * 4 + lows_.capacity() * 2 + slots_.capacity() * 4;
  for (const auto& [key, v] : recent_) bytes += v.capacity() * 4 + 48;  // node and vector, roughly
  return bytes + recent_.bucket_count() * sizeof(void*);
}

void Postings::add(std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs) {
  if (pairs.size() < 1024) {
    for (const auto& [key, slot] : pairs) add(key, slot);
  } else {
    merge(std::move(pairs));
  }
}

void Postings::merge(std::vector<std::pair<std::uint32_t, std::uint32_t>> bulk) {
  // Input order: the old run, the recent map, the bulk pairs. Slots only
  // grow, so a stable sort by key keeps each key's slots ascending.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> fresh;
  fresh.reserve(recent_size_ + bulk.size());
  for (const auto& [key, v] : recent_)
    for (const std::uint32_t s : v) fresh.emplace_back(key, s);
  fresh.insert(fresh.end(), bulk.begin(), bulk.end());
  bulk = {};
  // Directory bits: about 8 entries per prefix, and the rest of the key
  // must fit the 16-bit low part.
  const std::size_t total = slots_.size() + fresh.size();
  const int want = std::bit_width(std::max<std::size_t>(1, total / 8)) - 1;
  const int dir_bits = std::max(key_bits_ - 16, std::min(key_bits_, want));
  const int low_bits = key_bits_ - dir_bits;
  const std::uint32_t low_mask = (1u << low_bits) - 1;
  const std::size_t old_prefixes = dir_.empty() ? 0 : dir_.size() - 1;
  const auto old_key = [&](std::size_t prefix, std::uint32_t i) {
    return static_cast<std::uint32_t>(prefix) << low_bits_ | lows_[i];
  };
  // A stable counting sort by the new prefix...
  std::vector<std::uint32_t> dir((std::size_t{1} << dir_bits) + 1, 0);
  for (std::size_t prefix = 0; prefix < old_prefixes; ++prefix)
    for (std::uint32_t i = dir_[prefix]; i < dir_[prefix + 1]; ++i) ++dir[(old_key(prefix, i) >> low_bits) + 1];
  for (const auto& [key, slot] : fresh) ++dir[(key >> low_bits) + 1];
  for (std::size_t p = 1; p < dir.size(); ++p) dir[p] += dir[p - 1];
  std::vector<std::uint32_t> cursor(dir.begin(), dir.end() - 1);
  std::vector<std::uint16_t> lows(total);
  std::vector<std::uint32_t> slots(total);
  const auto place = [&](std::uint32_t key, std::uint32_t slot) {
    const std::uint32_t at = cursor[key >> low_bits]++;
    lows[at] = static_cast<std::uint16_t>(key & low_mask);
    slots[at] = slot;
  };
  for (std::size_t prefix = 0; prefix < old_prefixes; ++prefix)
    for (std::uint32_t i = dir_[prefix]; i < dir_[prefix + 1]; ++i) place(old_key(prefix, i), slots_[i]);
  for (const auto& [key, slot] : fresh) place(key, slot);
  // ... then a stable sort by the low bits inside each prefix (a few
  // entries each: insertion sort; a crowded prefix: sorted through an index).
  std::vector<std::uint32_t> order;
  for (std::size_t p = 0; p + 1 < dir.size(); ++p) {
    const std::uint32_t b = dir[p], e = dir[p + 1];
    if (e - b <= 32) {
      for (std::uint32_t i = b + 1; i < e; ++i) {
        const std::uint16_t l = lows[i];
        const std::uint32_t s = slots[i];
        std::uint32_t j = i;
        for (; j > b && lows[j - 1] > l; --j) lows[j] = lows[j - 1], slots[j] = slots[j - 1];
        lows[j] = l, slots[j] = s;
      }
    } else if (!std::is_sorted(lows.begin() + b, lows.begin() + e)) {
      order.resize(e - b);
      for (std::uint32_t i = 0; i < e - b; ++i) order[i] = b + i;
      std::stable_sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) { return lows[x] < lows[y]; });
      std::vector<std::uint16_t> l(e - b);
      std::vector<std::uint32_t> s(e - b);
      for (std::uint32_t i = 0; i < e - b; ++i) l[i] = lows[order[i]], s[i] = slots[order[i]];
      std::copy(l.begin(), l.end(), lows.begin() + b);
      std::copy(s.begin(), s.end(), slots.begin() + b);
    }
  }
  dir_ = std::move(dir);
  lows_ = std::move(lows);
  slots_ = std::move(slots);
  low_bits_ = low_bits;
  recent_ = {};  // its bucket array too
  recent_size_ = 0;
}

}  // namespace tunggal::detail
