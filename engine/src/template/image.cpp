#include "tunggal/image.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <unistd.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <string>
#include <tuple>

#include "tunggal/error.h"

namespace tunggal {

namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}
std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }

[[noreturn]] void bad(const char* format, const std::string& what) {
  throw Error(ErrorCode::malformed_data, std::string("image: ") + format + ": " + what);
}

bool starts(std::span<const std::uint8_t> b, std::initializer_list<int> magic) {
  if (b.size() < magic.size()) return false;
  std::size_t i = 0;
  for (int m : magic)
    if (b[i++] != m) return false;
  return true;
}

// JPEG: markers up to the first frame header (SOFn), whose height and width
// are what the decoder will allocate for.
std::pair<long long, long long> jpeg_size(std::span<const std::uint8_t> b) {
  std::size_t i = 2;
  while (i < b.size()) {
    if (b[i] != 0xFF) bad("JPEG", "expected a marker at byte " + std::to_string(i));
    while (i < b.size() && b[i] == 0xFF) ++i;  // fill bytes
    if (i >= b.size()) break;
    const std::uint8_t m = b[i++];
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;  // no length
    if (m == 0xD9 || m == 0xDA) bad("JPEG", "no frame header before the image data");
    if (i + 2 > b.size()) break;
    const std::size_t len = be16(&b[i]);
    if (len < 2) bad("JPEG", "marker segment shorter than its length field");
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof) {
      if (len < 8 || i + 7 > b.size()) break;
      const long long h = be16(&b[i + 3]), w = be16(&b[i + 5]);
      if (h == 0) throw Error(ErrorCode::unsupported, "image: JPEG: height defined later in the stream (DNL)");
      return {w, h};
    }
    i += len;
  }
  bad("JPEG", "truncated before its frame header");
}

// TIFF: the first IFD's ImageWidth and ImageLength (what OpenCV decodes),
// and tile sizes, which set the decoder's buffer as well.
std::pair<long long, long long> tiff_size(std::span<const std::uint8_t> b, const ImageLimits& limits) {
  const bool le = b[0] == 'I';
  const auto u16 = [&](std::size_t at) { return le ? le16(&b[at]) : be16(&b[at]); };
  const auto u32 = [&](std::size_t at) { return le ? le32(&b[at]) : be32(&b[at]); };
  if (b.size() < 8) bad("TIFF", "truncated header");
  const std::uint64_t ifd = u32(4);
  if (ifd < 8 || ifd + 2 > b.size()) bad("TIFF", "first directory offset " + std::to_string(ifd) + " outside the file");
  const std::size_t n = u16(static_cast<std::size_t>(ifd));
  if (ifd + 2 + 12 * std::uint64_t{n} > b.size()) bad("TIFF", "directory runs past the end of the file");
  long long w = -1, h = -1;
  std::set<std::uint16_t> seen;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t e = static_cast<std::size_t>(ifd) + 2 + 12 * k;
    const std::uint16_t tag = u16(e), type = u16(e + 2);
    const std::uint32_t count = u32(e + 4);
    const bool sized = tag == 256 || tag == 257 || tag == 258 || tag == 277 || tag == 322 || tag == 323;
    if (!sized) continue;
    // A decoder keeps one value per tag; which one is its business, so a
    // repeated tag is refused rather than guessed at.
    if (!seen.insert(tag).second) bad("TIFF", "tag " + std::to_string(tag) + " appears twice in the first directory");
    // Integer types libtiff reads for these tags: BYTE, SHORT, LONG, and
    // their signed forms. A count above 1 (bits per sample per channel)
    // keeps its first value inline only for SHORT pairs; refuse the rest.
    long long v = 0;
    if ((type == 3 || type == 8) && count >= 1 && count <= 2) {
      v = type == 8 ? static_cast<std::int16_t>(u16(e + 8)) : u16(e + 8);
    } else if ((type == 4 || type == 9) && count == 1) {
      v = type == 9 ? static_cast<std::int32_t>(u32(e + 8)) : u32(e + 8);
    } else if ((type == 1 || type == 6) && count >= 1 && count <= 4) {
      v = type == 6 ? static_cast<std::int8_t>(b[e + 8]) : b[e + 8];
    } else if (tag == 258 && (type == 3) && count > 2) {
      continue;  // bits per sample of each of several channels, stored elsewhere: checked by samples per pixel
    } else {
      bad("TIFF", "tag " + std::to_string(tag) + " has type " + std::to_string(type) + " and count " +
                      std::to_string(count) + ", which this reader does not take");
    }
    if (tag == 256) w = v;
    if (tag == 257) h = v;
    if ((tag == 322 || tag == 323) && (v <= 0 || v > limits.max_side))
      throw Error(ErrorCode::limit_exceeded, "image: TIFF tile side " + std::to_string(v) + " outside 1.." +
                                                 std::to_string(limits.max_side));
    if (tag == 258 && v > 16) throw Error(ErrorCode::unsupported, "image: TIFF with " + std::to_string(v) + " bits per sample");
    if (tag == 277 && (v < 1 || v > 4))
      throw Error(ErrorCode::unsupported, "image: TIFF with " + std::to_string(v) + " samples per pixel");
  }
  if (w < 0 || h < 0) bad("TIFF", "no image width or length in the first directory");
  return {w, h};
}

// JPEG 2000 codestream SIZ marker (after SOC): image size less its offset;
// the component count sets the decoder's buffers too.
std::pair<long long, long long> j2k_siz(std::span<const std::uint8_t> b) {
  if (b.size() < 4 + 2 + 2 + 32 + 2 || b[0] != 0xFF || b[1] != 0x4F || b[2] != 0xFF || b[3] != 0x51)
    bad("JPEG 2000", "codestream without its SIZ marker");
  const long long x = be32(&b[8]), y = be32(&b[12]), x0 = be32(&b[16]), y0 = be32(&b[20]);
  const long long tx = be32(&b[24]), ty = be32(&b[28]);
  const int components = be16(&b[40]);
  if (x0 > x || y0 > y) bad("JPEG 2000", "image offset beyond its size");
  if (components < 1 || components > 4)
    throw Error(ErrorCode::unsupported, "image: JPEG 2000 with " + std::to_string(components) + " components");
  // Tiles are clipped to the image, so the image's size bounds them.
  if (tx <= 0 || ty <= 0) bad("JPEG 2000", "tile of size zero");
  return {x - x0, y - y0};
}

// JP2 file: boxes; the header box's ihdr and the codestream's SIZ must both
// be within the limits (the decoder trusts the codestream). A second
// header or codestream is refused: the decoder reads the first, and the
// check must see what the decoder sees.
std::pair<long long, long long> jp2_size(std::span<const std::uint8_t> b) {
  long long w = -1, h = -1;
  std::pair<long long, long long> siz{-1, -1};
  const auto boxes = [&](auto&& self, std::size_t from, std::size_t to, int depth) -> void {
    for (std::size_t i = from; i + 8 <= to;) {
      std::uint64_t len = be32(&b[i]);
      std::size_t head = 8;
      if (len == 1) {
        if (i + 16 > to) bad("JPEG 2000", "truncated box");
        len = (std::uint64_t{be32(&b[i + 8])} << 32) | be32(&b[i + 12]);
        head = 16;
      } else if (len == 0) {
        len = to - i;  // to the end
      }
      if (len < head || len > to - i) bad("JPEG 2000", "box at byte " + std::to_string(i) + " runs past its end");
      const std::uint32_t type = be32(&b[i + 4]);
      if (type == 0x6A703268 && depth == 0) self(self, i + head, i + static_cast<std::size_t>(len), 1);  // jp2h
      if (type == 0x69686472 && depth == 1) {                                                             // ihdr
        if (w >= 0) bad("JPEG 2000", "a second image header box");
        if (len < head + 8) bad("JPEG 2000", "short image header box");
        h = be32(&b[i + head]);
        w = be32(&b[i + head + 4]);
      }
      if (type == 0x6A703263 && depth == 0) {  // jp2c: the codestream
        if (siz.first >= 0) bad("JPEG 2000", "a second codestream");
        siz = j2k_siz(b.subspan(i + head, static_cast<std::size_t>(len) - head));
      }
      i += static_cast<std::size_t>(len);
    }
  };
  boxes(boxes, 0, b.size(), 0);
  if (w < 0 || siz.first < 0) bad("JPEG 2000", "no image header or codestream");
  return {std::max(w, siz.first), std::max(h, siz.second)};
}

void check_size(long long w, long long h, const ImageLimits& limits) {
  if (w <= 0 || h <= 0) throw Error(ErrorCode::malformed_data, "image: header states an empty size");
  const std::string size = std::to_string(w) + "x" + std::to_string(h);
  if (w > limits.max_side || h > limits.max_side)
    throw Error(ErrorCode::limit_exceeded, "image: header states " + size + ", over the limit of " +
                                               std::to_string(limits.max_side) + " pixels a side");
  if (static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h) > limits.max_pixels)
    throw Error(ErrorCode::limit_exceeded, "image: header states " + size + ", over the limit of " +
                                               std::to_string(limits.max_pixels) + " pixels");
  if (limits.max_aspect > 0 &&
      static_cast<double>(std::max(w, h)) > limits.max_aspect * static_cast<double>(std::min(w, h)))
    throw Error(ErrorCode::limit_exceeded, "image: header states " + size + ", sides more unequal than " +
                                               std::to_string(static_cast<int>(limits.max_aspect)) + ":1");
}

}  // namespace

ImageHeader probe_image(std::span<const std::uint8_t> b, const ImageLimits& limits) {
  if (b.empty()) throw Error(ErrorCode::malformed_data, "image: empty input");
  ImageHeader out;
  long long w = 0, h = 0;
  if (starts(b, {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) {
    out.format = ImageFormat::png;
    if (b.size() < 24 || !starts(b.subspan(12), {'I', 'H', 'D', 'R'})) bad("PNG", "truncated or missing IHDR");
    w = be32(&b[16]);
    h = be32(&b[20]);
  } else if (starts(b, {'B', 'M'})) {
    out.format = ImageFormat::bmp;
    if (b.size() < 26) bad("BMP", "truncated header");
    if (le32(&b[14]) == 12) {  // OS/2 core header: 16-bit sizes
      w = le16(&b[18]);
      h = le16(&b[20]);
    } else {
      w = std::llabs(static_cast<std::int32_t>(le32(&b[18])));
      h = std::llabs(static_cast<std::int32_t>(le32(&b[22])));
    }
  } else if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') {
    out.format = ImageFormat::pnm;
    // Netpbm: magic, then width and height as text (comments start with #).
    std::size_t i = 2;
    long long dims[2] = {0, 0};
    for (long long& d : dims) {
      while (i < b.size() && (std::isspace(b[i]) || b[i] == '#')) {
        if (b[i] == '#') {
          while (i < b.size() && b[i] != '\n') ++i;
        } else {
          ++i;
        }
      }
      if (i >= b.size() || !std::isdigit(b[i])) bad("PNM", "no width and height in the header");
      while (i < b.size() && std::isdigit(b[i]) && d <= limits.max_side) d = d * 10 + (b[i++] - '0');
    }
    w = dims[0];
    h = dims[1];
  } else if (starts(b, {0xFF, 0xD8, 0xFF})) {
    out.format = ImageFormat::jpeg;
    std::tie(w, h) = jpeg_size(b);
  } else if (starts(b, {'I', 'I', 0x2A, 0x00}) || starts(b, {'M', 'M', 0x00, 0x2A})) {
    out.format = ImageFormat::tiff;
    std::tie(w, h) = tiff_size(b, limits);
  } else if (starts(b, {0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A})) {
    out.format = ImageFormat::jpeg2000;
    std::tie(w, h) = jp2_size(b);
  } else if (starts(b, {0xFF, 0x4F, 0xFF, 0x51})) {
    out.format = ImageFormat::jpeg2000;
    std::tie(w, h) = j2k_siz(b);
  } else {
    throw Error(ErrorCode::unsupported, "image: not a PNG, JPEG, BMP, TIFF, PGM or JPEG 2000 file");
  }
  check_size(w, h, limits);
  out.width = static_cast<int>(w);
  out.height = static_cast<int>(h);
  return out;
}

namespace {

// Decodes a whitelisted, size-checked image with OpenCV (`flags`:
// IMREAD_GRAYSCALE or IMREAD_COLOR), 8 bits per channel.
cv::Mat decode_checked(std::span<const std::uint8_t> bytes, int flags, const ImageLimits& limits) {
  probe_image(bytes, limits);
  cv::Mat decoded;
  try {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<std::uint8_t*>(bytes.data()));
    decoded = cv::imdecode(raw, flags);
  } catch (const cv::Exception& e) {
    throw Error(ErrorCode::malformed_data, std::string("image: cannot decode: ") + e.what());
  }
  if (decoded.empty()) throw Error(ErrorCode::malformed_data, "image: not a readable image (PNG, TIFF, BMP, PGM...)");
  // The decoder's size, checked again: a header may lie about it.
  check_size(decoded.cols, decoded.rows, limits);
  if (decoded.depth() != CV_8U) decoded.convertTo(decoded, CV_8U);
  return decoded;
}

template <typename Decode>
auto read_image(const std::filesystem::path& path, Decode decode) {
  try {
    return decode(read_file(path));
  } catch (const Error& e) {
    if (e.code() == ErrorCode::not_found || e.code() == ErrorCode::io) throw;
    throw Error(e.code(), path.string() + ": " + e.what());
  }
}

}  // namespace

GrayImage decode_gray_image(std::span<const std::uint8_t> bytes, int dpi, const ImageLimits& limits) {
  if (dpi < 100 || dpi > 5000) {
    throw Error(ErrorCode::invalid_argument,
                "image: resolution " + std::to_string(dpi) + " dpi outside 100-5000");
  }
  const cv::Mat decoded = decode_checked(bytes, cv::IMREAD_GRAYSCALE, limits);
  GrayImage image;
  image.width = decoded.cols;
  image.height = decoded.rows;
  image.dpi = dpi;
  image.pixels.resize(static_cast<std::size_t>(image.width) * image.height);
  for (int y = 0; y < image.height; ++y) {
    std::memcpy(image.pixels.data() + static_cast<std::size_t>(y) * image.width, decoded.ptr(y),
                static_cast<std::size_t>(image.width));
  }
  return image;
}

GrayImage read_gray_image(const std::filesystem::path& path, int dpi, const ImageLimits& limits) {
  return read_image(path, [&](const auto& bytes) { return decode_gray_image(bytes, dpi, limits); });
}

ColorImage decode_color_image(std::span<const std::uint8_t> bytes, const ImageLimits& limits) {
  cv::Mat decoded = decode_checked(bytes, cv::IMREAD_COLOR, limits);  // BGR; grey images are replicated
  cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
  ColorImage image;
  image.width = decoded.cols;
  image.height = decoded.rows;
  image.rgb.resize(static_cast<std::size_t>(image.width) * image.height * 3);
  for (int y = 0; y < image.height; ++y) {
    std::memcpy(image.rgb.data() + static_cast<std::size_t>(y) * image.width * 3, decoded.ptr(y),
                static_cast<std::size_t>(image.width) * 3);
  }
  return image;
}

ColorImage read_color_image(const std::filesystem::path& path, const ImageLimits& limits) {
  return read_image(path, [&](const auto& bytes) { return decode_color_image(bytes, limits); });
}

void limit_opencv_for_children() noexcept {
  if (std::getenv("OPENCV_IO_MAX_IMAGE_PIXELS") == nullptr) ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", kOpenCvPixelLimit, 1);
}

}  // namespace tunggal
