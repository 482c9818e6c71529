// NIST NBIS .xyt text: one minutia per line, "x y theta [quality]", integers.
// mindtct writes the NIST internal convention by default (origin bottom-left,
// theta in degrees 0-359, direction 180 degrees from ISO); with -m1 it writes
// ANSI INCITS 378 (M1) values: origin top-left, theta in 2-degree units 0-179
// (NBIS lfs2m1_minutia_XYT halves the angle, as the ANSI record does).
#include <charconv>
#include <cmath>
#include <string>

#include "byte_io.h"
#include "tunggal/formats.h"

namespace tunggal {
namespace {

constexpr std::string_view kName = "NIST .xyt";
constexpr std::size_t kMaxXytBytes = 1u << 20;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

}  // namespace

FingerTemplate decode_xyt(std::span<const std::uint8_t> bytes, const DecodeOptions& options) {
  if (bytes.size() > kMaxXytBytes) {
    throw Error(ErrorCode::limit_exceeded, std::string(kName) + ": file of " +
                                               std::to_string(bytes.size()) +
                                               " bytes exceeds the 1 MiB limit");
  }
  const bool nist = options.xyt_convention == XytConvention::nist;
  if (nist && options.xyt_height == 0) {
    throw Error(ErrorCode::invalid_argument,
                std::string(kName) +
                    ": the NIST convention has its origin at the bottom-left, so the image "
                    "height is needed to read it (or read it as the M1 convention)");
  }
  FingerTemplate t;
  t.width = options.xyt_width;
  t.height = options.xyt_height;
  t.dpi_x = t.dpi_y = options.xyt_dpi;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::size_t line_start = 0;
  int line_no = 0;
  while (line_start < text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    const std::string_view line = text.substr(line_start, line_end - line_start);
    ++line_no;
    const std::size_t line_offset = line_start;
    line_start = line_end + 1;

    long values[5];
    int count = 0;
    std::size_t p = 0;
    while (true) {
      while (p < line.size() && is_space(line[p])) ++p;
      if (p >= line.size()) break;
      if (count == 4) {
        detail::throw_malformed(kName, line_offset,
                                "line " + std::to_string(line_no) + " has more than 4 fields");
      }
      long v = 0;
      const auto [end, ec] = std::from_chars(line.data() + p, line.data() + line.size(), v);
      if (ec != std::errc() || (end != line.data() + line.size() && !is_space(*end))) {
        detail::throw_malformed(kName, line_offset + p,
                                "line " + std::to_string(line_no) + " field " +
                                    std::to_string(count + 1) + " is not an integer");
      }
      values[count++] = v;
      p = static_cast<std::size_t>(end - line.data());
    }
    if (count == 0) continue;  // blank line
    if (count < 3) {
      detail::throw_malformed(kName, line_offset,
                              "line " + std::to_string(line_no) + " needs at least x, y and theta");
    }
    if (static_cast<long>(t.minutiae.size()) >= options.max_minutiae) {
      throw Error(
          ErrorCode::limit_exceeded,
          std::string(kName) + ": more than " + std::to_string(options.max_minutiae) + " minutiae");
    }
    const long x = values[0], y = values[1], theta = values[2];
    const long quality = count == 4 ? values[3] : 0;
    auto bad = [&](const std::string& what) {
      detail::throw_malformed(kName, line_offset, "line " + std::to_string(line_no) + ": " + what);
    };
    if (x < 0 || x > 0x3FFF) bad("x=" + std::to_string(x) + " is not a pixel coordinate");
    if (y < 0 || y > 0x3FFF) bad("y=" + std::to_string(y) + " is not a pixel coordinate");
    const long theta_units = nist ? 360 : 180;
    if (theta < 0 || theta >= theta_units) {
      bad("theta=" + std::to_string(theta) + " not in [0, " + std::to_string(theta_units) + ")");
    }
    if (quality < 0 || quality > 100) bad("quality=" + std::to_string(quality) + " not in 0-100");
    Minutia m;
    m.x = static_cast<std::uint16_t>(x);
    long deg = theta;
    if (nist) {
      // mindtct writes y' = height - y, so y' lies in 1..height; accept 0 from
      // writers that use height - 1 - y.
      if (y > options.xyt_height) {
        bad("y=" + std::to_string(y) + " above image height " + std::to_string(options.xyt_height));
      }
      m.y = static_cast<std::uint16_t>(y == 0 ? options.xyt_height - 1 : options.xyt_height - y);
      deg = (theta + 180) % 360;
    } else {
      m.y = static_cast<std::uint16_t>(y);
    }
    m.angle =
        detail::angle_from_units(static_cast<unsigned>(deg), static_cast<unsigned>(theta_units));
    m.type = MinutiaType::other;  // .xyt carries no type
    m.quality = static_cast<std::uint8_t>(quality);
    t.minutiae.push_back(m);
  }
  validate(t, options, kName);
  return t;
}

std::vector<std::uint8_t> encode_xyt(const FingerTemplate& view, const EncodeOptions& options) {
  const bool nist = options.xyt_convention == XytConvention::nist;
  if (nist && view.height == 0) {
    throw Error(ErrorCode::invalid_argument,
                std::string(kName) + " encoder: the NIST convention needs the image height");
  }
  DecodeOptions rules;
  rules.allow_empty = true;
  detail::as_encoder_argument([&] { validate(view, rules, std::string(kName) + " encoder"); });
  std::string text;
  text.reserve(view.minutiae.size() * 16);
  for (const Minutia& m : view.minutiae) {
    unsigned deg = detail::angle_to_units(m.angle, nist ? 360 : 180);
    unsigned y = m.y;
    if (nist) {
      deg = (deg + 180) % 360;
      y = view.height - m.y;
    }
    text += std::to_string(m.x) + ' ' + std::to_string(y) + ' ' + std::to_string(deg);
    if (options.xyt_quality) text += ' ' + std::to_string(m.quality);
    text += '\n';
  }
  return {text.begin(), text.end()};
}

}  // namespace tunggal
