#include "tunggal/image.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "tunggal/error.h"

namespace tunggal {

std::vector<std::uint8_t> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    throw Error(ErrorCode::not_found, path.string() + ": no such file");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw Error(ErrorCode::invalid_argument, path.string() + ": not a regular file");
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(ErrorCode::io, path.string() + ": " + ec.message());
  if (size > max_bytes) {
    throw Error(ErrorCode::limit_exceeded, path.string() + ": " + std::to_string(size) +
                                               " bytes exceed the limit of " +
                                               std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, path.string() + ": cannot open: " + std::strerror(errno));
  std::vector<std::uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) {
    throw Error(ErrorCode::io, path.string() + ": short read");
  }
  return bytes;
}

namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
std::int32_t le32s(const std::uint8_t* p) {
  return static_cast<std::int32_t>(std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) |
                                   (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24));
}

// Only the formats fingerprint images come in are handed to OpenCV (fewer
// decoders exposed to outside data), and where the header states the size it
// is checked before any pixel is decoded.
void check_header(std::span<const std::uint8_t> b) {
  auto too_large = [](long long w, long long h) {
    if (w <= 0 || h <= 0)
      throw Error(ErrorCode::malformed_data, "image: header states an empty size");
    if (w > kMaxImageSide || h > kMaxImageSide) {
      throw Error(ErrorCode::limit_exceeded, "image: " + std::to_string(w) + "x" +
                                                 std::to_string(h) + " exceeds the limit of " +
                                                 std::to_string(kMaxImageSide) + " pixels a side");
    }
  };
  auto starts = [&](std::initializer_list<int> magic) {
    if (b.size() < magic.size()) return false;
    std::size_t i = 0;
    for (int m : magic) {
      if (b[i++] != m) return false;
    }
    return true;
  };
  if (starts({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) {
    if (b.size() < 24) throw Error(ErrorCode::malformed_data, "image: truncated PNG header");
    too_large(be32(b.data() + 16), be32(b.data() + 20));
  } else if (starts({'B', 'M'})) {
    if (b.size() < 26) throw Error(ErrorCode::malformed_data, "image: truncated BMP header");
    too_large(std::llabs(le32s(b.data() + 18)), std::llabs(le32s(b.data() + 22)));
  } else if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') {
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
      if (i >= b.size() || !std::isdigit(b[i]))
        throw Error(ErrorCode::malformed_data, "image: bad PGM/PNM header");
      while (i < b.size() && std::isdigit(b[i]) && d <= kMaxImageSide) d = d * 10 + (b[i++] - '0');
    }
    too_large(dims[0], dims[1]);
  } else if (!starts({0xFF, 0xD8, 0xFF}) && !starts({'I', 'I', 0x2A, 0x00}) &&
             !starts({'M', 'M', 0x00, 0x2A})) {
    throw Error(ErrorCode::unsupported, "image: not a PNG, JPEG, BMP, TIFF or PGM file");
  }
}

}  // namespace

namespace {

// Decodes a whitelisted, size-checked image with OpenCV (`flags`:
// IMREAD_GRAYSCALE or IMREAD_COLOR), 8 bits per channel.
cv::Mat decode_checked(std::span<const std::uint8_t> bytes, int flags) {
  if (bytes.empty()) throw Error(ErrorCode::malformed_data, "image: empty input");
  check_header(bytes);
  cv::Mat decoded;
  try {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                      const_cast<std::uint8_t*>(bytes.data()));
    decoded = cv::imdecode(raw, flags);
  } catch (const cv::Exception& e) {
    throw Error(ErrorCode::malformed_data, std::string("image: cannot decode: ") + e.what());
  }
  if (decoded.empty()) {
    throw Error(ErrorCode::malformed_data, "image: not a readable image (PNG, TIFF, BMP, PGM...)");
  }
  if (decoded.cols > kMaxImageSide || decoded.rows > kMaxImageSide) {
    throw Error(ErrorCode::limit_exceeded,
                "image: " + std::to_string(decoded.cols) + "x" + std::to_string(decoded.rows) +
                    " exceeds the limit of " + std::to_string(kMaxImageSide) + " pixels a side");
  }
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

GrayImage decode_gray_image(std::span<const std::uint8_t> bytes, int dpi) {
  if (dpi < 100 || dpi > 5000) {
    throw Error(ErrorCode::invalid_argument,
                "image: resolution " + std::to_string(dpi) + " dpi outside 100-5000");
  }
  const cv::Mat decoded = decode_checked(bytes, cv::IMREAD_GRAYSCALE);
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

GrayImage read_gray_image(const std::filesystem::path& path, int dpi) {
  return read_image(path, [dpi](const auto& bytes) { return decode_gray_image(bytes, dpi); });
}

ColorImage decode_color_image(std::span<const std::uint8_t> bytes) {
  cv::Mat decoded = decode_checked(bytes, cv::IMREAD_COLOR);  // BGR; grey images are replicated
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

ColorImage read_color_image(const std::filesystem::path& path) {
  return read_image(path, [](const auto& bytes) { return decode_color_image(bytes); });
}

}  // namespace tunggal
