// Bounds-checked big/little-endian readers and writers for the codecs. Every
// read names the field, so a truncated record says which field ran short.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tunggal/error.h"

namespace tunggal::detail {

[[noreturn]] inline void throw_malformed(std::string_view format, std::size_t offset,
                                         const std::string& what) {
  throw Error(ErrorCode::malformed_data,
              std::string(format) + ": " + what + " (at byte " + std::to_string(offset) + ")");
}

class ByteReader {
 public:
  ByteReader(std::span<const std::uint8_t> bytes, std::string_view format)
      : bytes_(bytes), format_(format) {}

  std::size_t offset() const noexcept { return offset_; }
  std::size_t remaining() const noexcept { return bytes_.size() - offset_; }
  std::string_view format() const noexcept { return format_; }

  void need(std::size_t n, std::string_view field) const {
    if (remaining() < n) {
      throw_malformed(format_, offset_,
                      "truncated: " + std::string(field) + " needs " + std::to_string(n) +
                          " bytes, " + std::to_string(remaining()) + " left");
    }
  }
  std::uint8_t u8(std::string_view field) {
    need(1, field);
    return bytes_[offset_++];
  }
  std::uint16_t be16(std::string_view field) {
    need(2, field);
    const auto v = static_cast<std::uint16_t>((bytes_[offset_] << 8) | bytes_[offset_ + 1]);
    offset_ += 2;
    return v;
  }
  std::uint32_t be32(std::string_view field) {
    const std::uint32_t hi = be16(field);
    return (hi << 16) | be16(field);
  }
  std::uint16_t le16(std::string_view field) {
    need(2, field);
    const auto v = static_cast<std::uint16_t>(bytes_[offset_] | (bytes_[offset_ + 1] << 8));
    offset_ += 2;
    return v;
  }
  std::uint32_t le32(std::string_view field) {
    const std::uint32_t lo = le16(field);
    return lo | (static_cast<std::uint32_t>(le16(field)) << 16);
  }
  std::uint64_t le64(std::string_view field) {
    const std::uint64_t lo = le32(field);
    return lo | (static_cast<std::uint64_t>(le32(field)) << 32);
  }
  float lef32(std::string_view field) {
    const std::uint32_t bits = le32(field);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  // `n` little-endian values of an arithmetic type (or a struct of them,
  // as laid out on this little-endian host), copied in one go; the count is
  // checked against what is left before anything is allocated.
  template <typename T>
  void le_array(std::vector<T>& out, std::size_t n, std::string_view field) {
    static_assert(std::endian::native == std::endian::little && std::is_trivially_copyable_v<T>);
    if (n > remaining() / sizeof(T))
      fail("truncated: " + std::string(field) + " needs " + std::to_string(n) + " values of " +
           std::to_string(sizeof(T)) + " bytes, " + std::to_string(remaining()) + " bytes left");
    out.resize(n);
    if (n > 0) std::memcpy(out.data(), take(n * sizeof(T), field).data(), n * sizeof(T));
  }
  [[noreturn]] void fail(const std::string& what) const { throw_malformed(format_, offset_, what); }
  std::span<const std::uint8_t> take(std::size_t n, std::string_view field) {
    need(n, field);
    auto s = bytes_.subspan(offset_, n);
    offset_ += n;
    return s;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::string_view format_;
  std::size_t offset_ = 0;
};

class ByteWriter {
 public:
  std::vector<std::uint8_t>& bytes() noexcept { return out_; }
  void u8(std::uint8_t v) { out_.push_back(v); }
  void be16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void be32(std::uint32_t v) {
    be16(static_cast<std::uint16_t>(v >> 16));
    be16(static_cast<std::uint16_t>(v));
  }
  void le16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v));
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
  }
  void le32(std::uint32_t v) {
    le16(static_cast<std::uint16_t>(v));
    le16(static_cast<std::uint16_t>(v >> 16));
  }
  void le64(std::uint64_t v) {
    le32(static_cast<std::uint32_t>(v));
    le32(static_cast<std::uint32_t>(v >> 32));
  }
  void lef32(float f) {
    std::uint32_t bits;
    std::memcpy(&bits, &f, sizeof f);
    le32(bits);
  }
  template <typename T>
  void le_array(const std::vector<T>& v) {
    static_assert(std::endian::native == std::endian::little && std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const std::uint8_t*>(v.data());
    out_.insert(out_.end(), p, p + v.size() * sizeof(T));
  }
  void append(std::span<const std::uint8_t> s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void put_be32_at(std::size_t at, std::uint32_t v) {
    out_[at] = static_cast<std::uint8_t>(v >> 24);
    out_[at + 1] = static_cast<std::uint8_t>(v >> 16);
    out_[at + 2] = static_cast<std::uint8_t>(v >> 8);
    out_[at + 3] = static_cast<std::uint8_t>(v);
  }

 private:
  std::vector<std::uint8_t> out_;
};

// Encoders validate their input like decoders do, but a bad template handed
// to an encoder is the caller's error (invalid_argument), not bad data.
template <typename Validate>
void as_encoder_argument(Validate&& validate) {
  try {
    validate();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::malformed_data) throw;
    throw Error(ErrorCode::invalid_argument, e.what());
  }
}

// Angles: the internal unit is radians; records store quantised units.
inline constexpr double kTwoPi = 6.283185307179586476925286766559;

inline float angle_from_units(unsigned units, unsigned units_per_turn) {
  return static_cast<float>(static_cast<double>(units) * kTwoPi / units_per_turn);
}
inline unsigned angle_to_units(float radians, unsigned units_per_turn) {
  const double u = static_cast<double>(radians) * units_per_turn / kTwoPi;
  long r = std::lround(u) % static_cast<long>(units_per_turn);
  if (r < 0) r += units_per_turn;
  return static_cast<unsigned>(r);
}

}  // namespace tunggal::detail
