#include <cmath>
#include <string>

#include "byte_io.h"
#include "tunggal/formats.h"

namespace tunggal {

namespace {
[[noreturn]] void fail(std::string_view where, const std::string& what) {
  throw Error(ErrorCode::malformed_data, std::string(where) + ": " + what);
}
}  // namespace

void validate(const FingerTemplate& view, const DecodeOptions& options, std::string_view where) {
  if (static_cast<int>(view.position) > kMaxFingerPosition) {
    fail(where, "finger position " + std::to_string(static_cast<int>(view.position)) +
                    " is not a single-finger ISO code (0-10)");
  }
  if (!is_known_impression_type(static_cast<std::uint8_t>(view.impression))) {
    fail(where, "impression type " + std::to_string(static_cast<int>(view.impression)) +
                    " is reserved (known: 0-3, 8, 9)");
  }
  if (view.view > 15) fail(where, "view number " + std::to_string(view.view) + " exceeds 15");
  if (view.quality > 100) {
    fail(where, "finger quality " + std::to_string(view.quality) + " exceeds 100");
  }
  if (view.dpi_x == 0 || view.dpi_y == 0) fail(where, "resolution is zero");
  const auto n = view.minutiae.size();
  if (n == 0 && !options.allow_empty) fail(where, "no minutiae");
  if (static_cast<long long>(n) > options.max_minutiae) {
    throw Error(ErrorCode::limit_exceeded, std::string(where) + ": " + std::to_string(n) +
                                               " minutiae exceed the limit of " +
                                               std::to_string(options.max_minutiae));
  }
  // Extended data: areas of (type u16, length u16 counting its 4-byte header,
  // data) filling the block exactly (ISO/IEC 19794-2 and ANSI 378).
  const auto& ext = view.extended_data;
  for (std::size_t pos = 0; pos < ext.size();) {
    if (ext.size() - pos < 4)
      fail(where, "extended data area header cut short by the block length");
    const std::size_t area_len = (std::size_t{ext[pos + 2]} << 8) | ext[pos + 3];
    if (area_len < 4 || area_len > ext.size() - pos) {
      fail(where, "extended data area length " + std::to_string(area_len) +
                      " does not fit the block of " + std::to_string(ext.size()) + " bytes");
    }
    pos += area_len;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Minutia& m = view.minutiae[i];
    // Built only on failure: validation runs on every gallery load.
    auto id = [i] { return "minutia " + std::to_string(i + 1); };
    if (view.width != 0 && m.x >= view.width) {
      fail(where, id() + " x=" + std::to_string(m.x) + " outside image width " +
                      std::to_string(view.width));
    }
    if (view.height != 0 && m.y >= view.height) {
      fail(where, id() + " y=" + std::to_string(m.y) + " outside image height " +
                      std::to_string(view.height));
    }
    if (!std::isfinite(m.angle) || m.angle < 0.0f ||
        m.angle >= static_cast<float>(detail::kTwoPi)) {
      fail(where, id() + " angle is not in [0, 2*pi)");
    }
    if (static_cast<unsigned>(m.type) > 2) {
      fail(where, id() + " type " + std::to_string(static_cast<int>(m.type)) + " is reserved");
    }
    if (m.quality > 100) {
      fail(where, id() + " quality " + std::to_string(m.quality) + " exceeds 100");
    }
  }
}

}  // namespace tunggal
