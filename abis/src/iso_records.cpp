// ISO/IEC 19794-4:2011 (finger image) and 19794-5:2011 (face image)
// records: big-endian headers read field by field with every length checked
// against the bytes there are, then the embedded image decoded by the
// image module (its header probed against the limits before any pixel).
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstring>

#include "tunggal/abis/cbeff.h"
#include <algorithm>

#include "tunggal/error.h"

namespace tunggal::abis {
namespace {

class Reader {
 public:
  Reader(std::span<const std::uint8_t> b, const char* what) : b_(b), what_(what) {}
  std::uint32_t u(std::size_t n, const char* field) {
    need(n, field);
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | b_[at_ + i];
    at_ += n;
    return v;
  }
  void skip(std::size_t n, const char* field) {
    need(n, field);
    at_ += n;
  }
  std::span<const std::uint8_t> take(std::size_t n, const char* field) {
    need(n, field);
    auto s = b_.subspan(at_, n);
    at_ += n;
    return s;
  }
  std::size_t at() const { return at_; }
  std::size_t size() const { return b_.size(); }
  [[noreturn]] void bad(const std::string& msg) const {
    throw Error(ErrorCode::malformed_data, std::string(what_) + ": " + msg + " (at byte " + std::to_string(at_) + ")");
  }

 private:
  void need(std::size_t n, const char* field) const {
    if (n > b_.size() - at_) bad(std::string("the record ends inside the ") + field);
  }
  std::span<const std::uint8_t> b_;
  const char* what_;
  std::size_t at_ = 0;
};

// "FIR\0" then "020\0" (each with its NUL).
void expect_magic(Reader& r, std::string_view id, std::string_view version) {
  const auto m = r.take(4, "format identifier");
  if (std::memcmp(m.data(), id.data(), 3) != 0 || m[3] != 0) r.bad("not a " + std::string(id) + " record");
  const auto v = r.take(4, "version");
  if (std::memcmp(v.data(), version.data(), 3) != 0 || v[3] != 0)
    r.bad("version '" + std::string(reinterpret_cast<const char*>(v.data()), 3) + "' (" + std::string(version) + " is read)");
}

class Writer {
 public:
  explicit Writer(std::size_t expected) { b_.reserve(expected); }
  void u(std::uint64_t v, std::size_t n) {
    for (std::size_t i = n; i-- > 0;) b_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void raw(std::string_view s) { b_.insert(b_.end(), s.begin(), s.end()); }
  void raw(std::span<const std::uint8_t> s) { b_.insert(b_.end(), s.begin(), s.end()); }
  void zeros(std::size_t n) { b_.insert(b_.end(), n, 0); }
  void patch(std::size_t at, std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) b_[at + i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
  }
  std::size_t size() const { return b_.size(); }
  std::vector<std::uint8_t> done() { return std::move(b_); }

 private:
  std::vector<std::uint8_t> b_;
};

std::vector<std::uint8_t> encoded(const cv::Mat& m, const char* ext, std::vector<int> params = {}) {
  std::vector<std::uint8_t> out;
  if (!cv::imencode(ext, m, out, params)) throw Error(ErrorCode::io, std::string("cannot encode an image as ") + ext);
  return out;
}

}  // namespace

std::vector<std::uint8_t> encode_finger_image_record(const GrayImage& image, FingerPosition position, int quality,
                                                     int compression) {
  if (image.width <= 0 || image.height <= 0 || image.pixels.size() != static_cast<std::size_t>(image.width) * image.height)
    throw Error(ErrorCode::invalid_argument, "finger image record: an image without width x height pixels");
  const cv::Mat m(image.height, image.width, CV_8UC1, const_cast<std::uint8_t*>(image.pixels.data()));
  std::vector<std::uint8_t> data;
  if (compression == 0) data = image.pixels;
  else if (compression == 5) data = encoded(m, ".jp2", {cv::IMWRITE_JPEG2000_COMPRESSION_X1000, 1000});
  else if (compression == 6) data = encoded(m, ".png");
  else throw Error(ErrorCode::invalid_argument, "finger image record: compression 0, 5 or 6 is written");
  Writer w(64 + data.size());
  w.raw(std::string_view("FIR", 4));  // with their NULs
  w.raw(std::string_view("020", 4));
  w.u(0, 4);  // record length, patched
  w.u(1, 2);  // one representation
  w.u(0, 1);  // not certified
  w.u(1, 1);  // one position
  const std::size_t rep = w.size();
  w.u(0, 4);  // representation length, patched
  w.zeros(9);  // capture date and time
  w.zeros(5);  // device technology, vendor, type
  w.u(1, 1);  // one quality block
  w.u(static_cast<std::uint64_t>(std::clamp(quality, 0, 100)), 1);
  w.u(0, 4);
  w.u(static_cast<std::uint64_t>(position), 1);
  w.u(0, 1);    // representation number
  w.u(1, 1);    // pixels per inch
  w.u(static_cast<std::uint64_t>(image.dpi), 2);
  w.u(static_cast<std::uint64_t>(image.dpi), 2);
  w.u(static_cast<std::uint64_t>(image.dpi), 2);
  w.u(static_cast<std::uint64_t>(image.dpi), 2);
  w.u(8, 1);    // bit depth
  w.u(static_cast<std::uint64_t>(compression), 1);
  w.u(0, 1);    // live-scan plain
  w.u(static_cast<std::uint64_t>(image.width), 2);
  w.u(static_cast<std::uint64_t>(image.height), 2);
  w.u(data.size(), 4);
  w.raw(data);
  w.patch(8, w.size(), 4);
  w.patch(rep, w.size() - rep, 4);
  return w.done();
}

std::vector<std::uint8_t> encode_face_image_record(const ColorImage& image, int image_data_type) {
  if (image.width <= 0 || image.height <= 0 || image.rgb.size() != static_cast<std::size_t>(image.width) * image.height * 3)
    throw Error(ErrorCode::invalid_argument, "face image record: an image without width x height x 3 bytes");
  cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<std::uint8_t*>(image.rgb.data())), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<std::uint8_t> data;
  if (image_data_type == 0) data = encoded(bgr, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95});
  else if (image_data_type == 3) data = encoded(bgr, ".png");
  else throw Error(ErrorCode::invalid_argument, "face image record: image data type 0 (JPEG) or 3 (PNG) is written");
  Writer w(64 + data.size());
  w.raw(std::string_view("FAC", 4));
  w.raw(std::string_view("030", 4));
  w.u(0, 4);
  w.u(1, 2);
  w.u(0, 1);
  w.u(0, 2);  // temporal semantics
  const std::size_t rep = w.size();
  w.u(0, 4);
  w.zeros(9);
  w.zeros(5);
  w.u(0, 1);   // no quality blocks
  w.u(0, 2);   // no landmark points
  w.zeros(15);  // gender .. pose uncertainty: unspecified
  w.u(1, 1);   // full frontal
  w.u(static_cast<std::uint64_t>(image_data_type), 1);
  w.u(static_cast<std::uint64_t>(image.width), 2);
  w.u(static_cast<std::uint64_t>(image.height), 2);
  w.zeros(5);
  w.u(data.size(), 4);
  w.raw(data);
  w.patch(8, w.size(), 4);
  w.patch(rep, w.size() - rep, 4);
  return w.done();
}

FingerImageRecord parse_finger_image_record(std::span<const std::uint8_t> bytes) {
  Reader r(bytes, "ISO 19794-4 finger image");
  expect_magic(r, "FIR", "020");
  const std::uint32_t record_length = r.u(4, "record length");
  if (record_length != bytes.size())
    r.bad("the record says " + std::to_string(record_length) + " bytes, " + std::to_string(bytes.size()) + " are there");
  const std::uint32_t representations = r.u(2, "number of representations");
  if (representations == 0) r.bad("no finger representation");
  const std::uint32_t certified = r.u(1, "certification flag");
  r.skip(1, "number of distinct positions");
  const std::size_t start = r.at();
  const std::uint32_t rep_length = r.u(4, "representation length");
  if (rep_length > bytes.size() - start) r.bad("the representation is longer than the record");
  r.skip(9, "capture date and time");
  r.skip(5, "capture device identifiers");
  FingerImageRecord out;
  const std::uint32_t quality_blocks = r.u(1, "number of quality blocks");
  for (std::uint32_t q = 0; q < quality_blocks; ++q) {
    const int score = static_cast<int>(r.u(1, "quality score"));
    r.skip(4, "quality algorithm");
    if (q == 0 && score <= 100) out.quality = score;
  }
  if (certified) r.skip(3 * r.u(1, "number of certification blocks"), "certification blocks");
  const std::uint32_t position = r.u(1, "finger position");
  if (position > 10) r.bad("finger position " + std::to_string(position) + " (1-10 are fingers; palms are not read)");
  out.position = static_cast<FingerPosition>(position);
  r.skip(1, "representation number");
  const std::uint32_t scale_units = r.u(1, "scale units");
  r.skip(4, "scan sampling rates");
  const std::uint32_t h_rate = r.u(2, "horizontal image sampling rate");
  r.skip(2, "vertical image sampling rate");
  const std::uint32_t depth = r.u(1, "bit depth");
  out.compression = static_cast<int>(r.u(1, "compression algorithm"));
  r.skip(1, "impression type");
  const std::uint32_t width = r.u(2, "horizontal line length"), height = r.u(2, "vertical line length");
  const std::uint32_t data_length = r.u(4, "image data length");
  if (data_length > rep_length || data_length > bytes.size() - r.at()) r.bad("the image data is longer than the record");
  const auto data = r.take(data_length, "image data");
  // Pixels per inch (scale units 1) or per centimetre (2).
  int dpi = scale_units == 2 ? static_cast<int>(h_rate * 2.54 + 0.5) : static_cast<int>(h_rate);
  if (dpi < 250 || dpi > 2000) dpi = 500;
  if (width == 0 || height == 0) r.bad("an image of no pixels");
  switch (out.compression) {
    case 0: {
      if (depth != 8) r.bad("uncompressed images are read at 8 bits per pixel, this one has " + std::to_string(depth));
      const auto lim = kFingerprintImageLimits;
      if (width > static_cast<std::uint32_t>(lim.max_side) || height > static_cast<std::uint32_t>(lim.max_side) ||
          std::uint64_t{width} * height > lim.max_pixels)
        throw Error(ErrorCode::limit_exceeded, "ISO 19794-4 finger image: " + std::to_string(width) + " x " +
                                                   std::to_string(height) + " is over one finger's limits");
      if (data.size() != std::size_t{width} * height) r.bad("the raw image is not width x height bytes");
      out.image.width = static_cast<int>(width);
      out.image.height = static_cast<int>(height);
      out.image.dpi = dpi;
      out.image.pixels.assign(data.begin(), data.end());
      break;
    }
    case 2:
      throw Error(ErrorCode::unsupported, "ISO 19794-4 finger image: WSQ is not decoded (no WSQ decoder in Debian)");
    case 3: case 4: case 5: case 6:
      out.image = decode_gray_image(data, dpi);
      if (out.image.width != static_cast<int>(width) || out.image.height != static_cast<int>(height))
        r.bad("the header says " + std::to_string(width) + " x " + std::to_string(height) + ", the image is " +
              std::to_string(out.image.width) + " x " + std::to_string(out.image.height));
      break;
    default:
      throw Error(ErrorCode::unsupported, "ISO 19794-4 finger image: compression " + std::to_string(out.compression));
  }
  return out;
}

FaceImageRecord parse_face_image_record(std::span<const std::uint8_t> bytes) {
  Reader r(bytes, "ISO 19794-5 face image");
  expect_magic(r, "FAC", "030");
  const std::uint32_t record_length = r.u(4, "record length");
  if (record_length != bytes.size())
    r.bad("the record says " + std::to_string(record_length) + " bytes, " + std::to_string(bytes.size()) + " are there");
  if (r.u(2, "number of representations") == 0) r.bad("no face representation");
  const std::uint32_t certified = r.u(1, "certification flag");
  r.skip(2, "temporal semantics");
  const std::size_t start = r.at();
  const std::uint32_t rep_length = r.u(4, "representation length");
  if (rep_length > bytes.size() - start) r.bad("the representation is longer than the record");
  r.skip(9, "capture date and time");
  r.skip(5, "capture device identifiers");
  r.skip(5 * r.u(1, "number of quality blocks"), "quality blocks");
  const std::uint32_t landmarks = r.u(2, "number of landmark points");
  r.skip(15, "facial information");
  r.skip(8 * landmarks, "landmark points");
  const std::uint32_t face_type = r.u(1, "face image type");
  FaceImageRecord out;
  out.image_data_type = static_cast<int>(r.u(1, "image data type"));
  const std::uint32_t width = r.u(2, "width"), height = r.u(2, "height");
  r.skip(5, "image information");  // sampling rate, post-processing (2), cross reference, colour space
  if (certified) throw Error(ErrorCode::unsupported, "ISO 19794-5 face image: certified records are not read");
  if (face_type >= 0x80) throw Error(ErrorCode::unsupported, "ISO 19794-5 face image: 3D face images are not read");
  const std::uint32_t data_length = r.u(4, "image data length");
  if (data_length > rep_length || data_length > bytes.size() - r.at()) r.bad("the image data is longer than the record");
  const auto data = r.take(data_length, "image data");
  if (out.image_data_type > 3) throw Error(ErrorCode::unsupported, "ISO 19794-5 face image: image data type " + std::to_string(out.image_data_type));
  out.image = decode_color_image(data);
  if (out.image.width != static_cast<int>(width) || out.image.height != static_cast<int>(height))
    r.bad("the header says " + std::to_string(width) + " x " + std::to_string(height) + ", the image is " +
          std::to_string(out.image.width) + " x " + std::to_string(out.image.height));
  return out;
}

}  // namespace tunggal::abis
