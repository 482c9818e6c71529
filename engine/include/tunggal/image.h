// GrayImage: an 8-bit grey image with its resolution, the input of
// extraction. Decoding goes through OpenCV (PNG, TIFF, BMP, PGM, JPEG...).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

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

// Images larger than this are rejected before decoding finishes.
inline constexpr int kMaxImageSide = 8192;

// Accepts PNG, JPEG, BMP, TIFF and PGM/PNM (other formats: unsupported);
// PNG, BMP and PNM sizes are checked from the header before decoding.
// Throws tunggal::Error: malformed_data for bytes that are not an image,
// limit_exceeded for absurd sizes, io / not_found for files.
GrayImage decode_gray_image(std::span<const std::uint8_t> bytes, int dpi = 500);
GrayImage read_gray_image(const std::filesystem::path& path, int dpi = 500);
// The same formats and checks; grey images become three equal channels.
ColorImage decode_color_image(std::span<const std::uint8_t> bytes);
ColorImage read_color_image(const std::filesystem::path& path);

// Reads a whole file (limited to `max_bytes`), throwing tunggal::Error.
std::vector<std::uint8_t> read_file(const std::filesystem::path& path,
                                    std::size_t max_bytes = std::size_t{256} << 20);

}  // namespace tunggal
