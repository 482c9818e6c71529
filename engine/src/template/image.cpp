#include "tunggal/image.h"

#include <cerrno>
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

GrayImage decode_gray_image(std::span<const std::uint8_t> bytes, int dpi) {
  if (bytes.empty()) throw Error(ErrorCode::malformed_data, "image: empty input");
  if (dpi < 100 || dpi > 5000) {
    throw Error(ErrorCode::invalid_argument,
                "image: resolution " + std::to_string(dpi) + " dpi outside 100-5000");
  }
  cv::Mat decoded;
  try {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                      const_cast<std::uint8_t*>(bytes.data()));
    decoded = cv::imdecode(raw, cv::IMREAD_GRAYSCALE);
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
  try {
    return decode_gray_image(read_file(path), dpi);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::not_found || e.code() == ErrorCode::io) throw;
    throw Error(e.code(), path.string() + ": " + e.what());
  }
}

}  // namespace tunggal
