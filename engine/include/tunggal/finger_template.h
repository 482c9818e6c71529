// FingerTemplate: the plain, serialisable value that flows from extraction to
// matching. Coordinates follow ISO/IEC 19794-2: origin at the top-left pixel,
// y pointing down, angles counter-clockwise (as seen on screen) from the
// positive x axis, in radians in [0, 2*pi).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace tunggal {

enum class MinutiaType : std::uint8_t { other = 0, ending = 1, bifurcation = 2 };

std::string_view to_string(MinutiaType type) noexcept;

struct Minutia {
  std::uint16_t x = 0;  // pixels from the left edge
  std::uint16_t y = 0;  // pixels from the top edge
  float angle = 0.0f;   // radians, [0, 2*pi), ISO convention
  MinutiaType type = MinutiaType::other;
  std::uint8_t quality = 0;  // 0-100; 0 means "not reported" in ISO/ANSI

  friend bool operator==(const Minutia&, const Minutia&) = default;
};

// ISO/IEC 19794-2 finger position codes (0 = unknown, 1-5 right thumb to
// little finger, 6-10 left thumb to little finger).
enum class FingerPosition : std::uint8_t {
  unknown = 0,
  right_thumb = 1,
  right_index = 2,
  right_middle = 3,
  right_ring = 4,
  right_little = 5,
  left_thumb = 6,
  left_index = 7,
  left_middle = 8,
  left_ring = 9,
  left_little = 10,
};
inline constexpr int kMaxFingerPosition = 10;

std::string_view to_string(FingerPosition position) noexcept;

// ISO/IEC 19794-2 impression types (4 bits in the record).
enum class ImpressionType : std::uint8_t {
  live_scan_plain = 0,
  live_scan_rolled = 1,
  nonlive_scan_plain = 2,
  nonlive_scan_rolled = 3,
  live_scan_swipe = 8,
  live_scan_contactless = 9,
};

std::string_view to_string(ImpressionType type) noexcept;
bool is_known_impression_type(std::uint8_t code) noexcept;

struct FingerTemplate {
  std::uint16_t width = 0;  // image size in pixels
  std::uint16_t height = 0;
  std::uint16_t dpi_x = 500;  // resolution in pixels per inch
  std::uint16_t dpi_y = 500;
  FingerPosition position = FingerPosition::unknown;
  ImpressionType impression = ImpressionType::live_scan_plain;
  std::uint8_t view = 0;     // view number of this finger, 0-15
  std::uint8_t quality = 0;  // finger quality 0-100
  // Capture-equipment word of ISO/ANSI records (compliance bits << 12 | device
  // id) and ANSI's CBEFF product identifier (owner << 16 | type); kept so a
  // vendor record round-trips, never interpreted.
  std::uint16_t capture_equipment = 0;
  std::uint32_t product_id = 0;
  std::vector<Minutia> minutiae;
  // ISO/ANSI extended data block of this view (ridge counts, cores/deltas,
  // vendor areas): structure validated, content kept verbatim, not used.
  std::vector<std::uint8_t> extended_data;

  friend bool operator==(const FingerTemplate&, const FingerTemplate&) = default;
};

}  // namespace tunggal
