// GrayImage: an 8-bit grey image with its resolution, the input of
// extraction. Decoding goes through OpenCV (PNG, TIFF, BMP, PGM, JPEG, JPEG
// 2000), after the size has been read from the header and checked.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <vector>

#include "tunggal/files.h"

namespace tunggal {

struct GrayImage {
  int width = 0;
  int height = 0;
  int dpi = 500;
  std::vector<std::uint8_t> pixels;  // row-major, width * height bytes

  std::uint8_t at(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }
};

// An 8-bit colour image, interleaved R, G, B: the input of face extraction.
struct ColorImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // row-major, width * height * 3 bytes
};

// Size limits checked from an image's header, before any pixel is decoded,
// so that a small file claiming a huge size costs nothing. max_aspect 0:
// any aspect ratio.
struct ImageLimits {
  int max_side = 8192;
  std::uint64_t max_pixels = 40'000'000;
  double max_aspect = 0;
};
// Any image from outside (a face photo, a document scan): 40 MP, 8192 a side.
inline constexpr ImageLimits kImageLimits{};
// One fingerprint: a rolled print at 1000 dpi is about 1600 x 1500 pixels,
// a flat one at 500 dpi about 400 x 500; 4 MP (2048 x 2048), 4096 a side
// and a ratio of sides up to 4:1 hold every single-finger capture with
// room to spare, and bound what extraction can be asked to do.
inline constexpr ImageLimits kFingerprintImageLimits{4096, 4'194'304, 4.0};
inline constexpr int kMaxImageSide = kImageLimits.max_side;

enum class ImageFormat { png, jpeg, bmp, tiff, pnm, jpeg2000 };
struct ImageHeader {
  ImageFormat format = ImageFormat::png;
  int width = 0, height = 0;
};
// Reads the format and size from the header alone (PNG IHDR, JPEG SOF,
// BMP info header, TIFF first IFD, PNM text header, JPEG 2000 ihdr box or
// SIZ marker) and checks them against `limits`. Throws Error:
// unsupported for other formats, malformed_data for a header that does not
// parse, limit_exceeded for a size over the limits.
ImageHeader probe_image(std::span<const std::uint8_t> bytes, const ImageLimits& limits = kImageLimits);

// Accepts PNG, JPEG, BMP, TIFF, PGM/PNM and JPEG 2000 (other formats:
// unsupported); the size is checked from the header (probe_image) before
// decoding. Throws tunggal::Error: malformed_data for bytes that are not an
// image, limit_exceeded for sizes over `limits`, io / not_found for files.
GrayImage decode_gray_image(std::span<const std::uint8_t> bytes, int dpi = 500,
                            const ImageLimits& limits = kFingerprintImageLimits);
GrayImage read_gray_image(const std::filesystem::path& path, int dpi = 500,
                          const ImageLimits& limits = kFingerprintImageLimits);
// The same formats and checks; grey images become three equal channels.
ColorImage decode_color_image(std::span<const std::uint8_t> bytes, const ImageLimits& limits = kImageLimits);
ColorImage read_color_image(const std::filesystem::path& path, const ImageLimits& limits = kImageLimits);

// Images are decoded only through the functions above, which check the
// size from the header before OpenCV sees the bytes and again after;
// OpenCV's own limit (OPENCV_IO_MAX_IMAGE_PIXELS, read once when its library
// loads, before main() could set it) is a second line of defence. A program
// calls this first thing in main(): it sets the variable, when not set, to
// kImageLimits.max_pixels for the processes it starts; its own OpenCV keeps
// the default. (Until 2026-12-08 programs executed themselves again to get
// the limit, which doubled their start-up: 0.51 s for `tunggal --version`.)
void limit_opencv_for_children() noexcept;
inline constexpr const char* kOpenCvPixelLimit = "40000000";
static_assert(kImageLimits.max_pixels == 40'000'000, "keep kOpenCvPixelLimit in step");

}  // namespace tunggal
