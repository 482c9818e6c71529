// Images from outside cannot exhaust memory or time: every accepted format's
// size is read from its header and checked before a pixel is decoded, with
// fingerprint limits for fingerprint images, OpenCV's own limit set for the
// processes a program starts, and blank images refused before enhancement.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <opencv2/imgcodecs.hpp>

#include "tunggal/error.h"
#include "tunggal/extraction.h"
#include "tunggal/image.h"

namespace tunggal {
namespace {

using Bytes = std::vector<std::uint8_t>;

void be16(Bytes& b, unsigned v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void be32(Bytes& b, unsigned v) {
  be16(b, v >> 16);
  be16(b, v & 0xFFFF);
}
void le16(Bytes& b, unsigned v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void le32(Bytes& b, unsigned v) {
  le16(b, v & 0xFFFF);
  le16(b, v >> 16);
}

// The error a call raises (ok when none), with its message.
template <typename F>
std::pair<ErrorCode, std::string> error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {ErrorCode::ok, ""};
}

Bytes jpeg_claiming(unsigned w, unsigned h) {
  Bytes b = {0xFF, 0xD8, 0xFF, 0xE0};
  be16(b, 16);  // APP0 (JFIF), skipped by length
  for (char c : std::string("JFIF\0\1\1\0\0\1\0\1\0\0", 14)) b.push_back(static_cast<std::uint8_t>(c));
  b.insert(b.end(), {0xFF, 0xC0});  // SOF0
  be16(b, 11);
  b.push_back(8);
  be16(b, h);
  be16(b, w);
  b.insert(b.end(), {1, 1, 0x11, 0});
  b.insert(b.end(), 80, 0);  // no scan follows: 141 bytes or so, like the bomb
  return b;
}

Bytes tiff_claiming(unsigned w, unsigned h, bool little, unsigned tile = 0) {
  Bytes b;
  const auto u16 = [&](unsigned v) { little ? le16(b, v) : be16(b, v); };
  const auto u32 = [&](unsigned v) { little ? le32(b, v) : be32(b, v); };
  if (little) {
    b.insert(b.end(), {'I', 'I', 42, 0});
  } else {
    b.insert(b.end(), {'M', 'M', 0, 42});
  }
  u32(8);
  const unsigned entries = tile ? 4 : 3;
  u16(entries);
  const auto entry = [&](unsigned tag, unsigned value) {
    u16(tag);
    u16(4);  // LONG
    u32(1);
    u32(value);
  };
  entry(256, w);
  entry(257, h);
  entry(258, 8);
  if (tile) entry(322, tile);
  u32(0);
  return b;
}

Bytes jp2_claiming(unsigned w, unsigned h, unsigned siz_w, unsigned siz_h) {
  Bytes b = {0, 0, 0, 12, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
  be32(b, 20);
  b.insert(b.end(), {'f', 't', 'y', 'p', 'j', 'p', '2', ' ', 0, 0, 0, 0, 'j', 'p', '2', ' '});
  be32(b, 8 + 8 + 14);
  b.insert(b.end(), {'j', 'p', '2', 'h'});
  be32(b, 8 + 14);
  b.insert(b.end(), {'i', 'h', 'd', 'r'});
  be32(b, h);
  be32(b, w);
  b.insert(b.end(), {0, 1, 7, 7, 0, 0});
  Bytes cs = {0xFF, 0x4F, 0xFF, 0x51};
  be16(cs, 41);
  be16(cs, 0);
  be32(cs, siz_w);
  be32(cs, siz_h);
  be32(cs, 0);
  be32(cs, 0);
  be32(cs, siz_w);  // one tile
  be32(cs, siz_h);
  be32(cs, 0);
  be32(cs, 0);
  be16(cs, 1);  // one component: 8 bits, no subsampling
  cs.insert(cs.end(), {7, 1, 1});
  cs.insert(cs.end(), 16, 0);
  be32(b, static_cast<unsigned>(8 + cs.size()));
  b.insert(b.end(), {'j', 'p', '2', 'c'});
  b.insert(b.end(), cs.begin(), cs.end());
  return b;
}

Bytes encoded(const cv::Mat& m, const std::string& ext) {
  Bytes out;
  EXPECT_TRUE(cv::imencode(ext, m, out)) << ext;
  return out;
}

TEST(ImageLimits, EveryFormatsSizeBombIsRefusedFromItsHeader) {
  Bytes bmp = {'B', 'M'};
  bmp.resize(14, 0);
  le32(bmp, 40);
  le32(bmp, 30000);
  le32(bmp, 30000);
  bmp.resize(64, 0);
  const std::string pgm = "P5\n# a comment\n30000 30000\n255\n";
  const std::vector<std::pair<std::string, Bytes>> bombs = {
      {"jpeg", jpeg_claiming(30000, 30000)},
      {"tiff le", tiff_claiming(30000, 30000, true)},
      {"tiff be", tiff_claiming(30000, 30000, false)},
      {"bmp", bmp},
      {"pgm", Bytes(pgm.begin(), pgm.end())},
      {"jp2 ihdr", jp2_claiming(30000, 30000, 300, 300)},
      {"jp2 codestream", jp2_claiming(300, 300, 30000, 30000)},
  };
  for (const auto& [name, bytes] : bombs) {
    for (const bool colour : {false, true}) {
      const auto [code, message] = error_of([&] {
        if (colour) {
          decode_color_image(bytes);
        } else {
          decode_gray_image(bytes);
        }
      });
      EXPECT_EQ(code, ErrorCode::limit_exceeded) << name << ": " << message;
      EXPECT_NE(message.find("header states"), std::string::npos) << name << ": " << message;
    }
  }
  // 8000 x 6000: within 8192 a side, but 48 MP.
  EXPECT_EQ(error_of([] { probe_image(tiff_claiming(8000, 6000, true)); }).first, ErrorCode::limit_exceeded);
  // Tiles set the decoder's buffer: a huge tile in a small image is a bomb too.
  EXPECT_EQ(error_of([] { probe_image(tiff_claiming(100, 100, true, 1u << 20)); }).first, ErrorCode::limit_exceeded);
}

// What a checker reads must be what the decoder reads: repeated tags or
// boxes, where the two could pick different ones, are refused.
TEST(ImageLimits, RepeatedSizeFieldsAreRefused) {
  // A TIFF whose first directory says 3000 x 3000 and then 100 x 100.
  Bytes tiff = {'I', 'I', 42, 0};
  le32(tiff, 8);
  le16(tiff, 4);
  for (const auto& [tag, type, v] : {std::tuple{256u, 4u, 3000u}, {257u, 4u, 3000u}, {256u, 3u, 100u}, {257u, 3u, 100u}}) {
    le16(tiff, tag);
    le16(tiff, type);
    le32(tiff, 1);
    le32(tiff, v);
  }
  le32(tiff, 0);
  const auto [code, message] = error_of([&] { probe_image(tiff); });
  EXPECT_EQ(code, ErrorCode::malformed_data) << message;
  EXPECT_NE(message.find("appears twice"), std::string::npos) << message;
  // A JP2 with a huge codestream first and a small one after it.
  auto two = jp2_claiming(100, 100, 60000, 60000);
  const auto second = jp2_claiming(100, 100, 100, 100);
  two.insert(two.end(), second.begin() + 48, second.end());  // the second jp2c box
  EXPECT_NE(error_of([&] { probe_image(two); }).first, ErrorCode::ok);
  // A size in a type the reader does not take.
  Bytes odd = tiff_claiming(300, 300, true);
  odd[10 + 2] = 5;  // RATIONAL for ImageWidth
  EXPECT_EQ(error_of([&] { probe_image(odd); }).first, ErrorCode::malformed_data);
}

TEST(ImageLimits, HeadersThatDoNotParseAreMalformed) {
  auto jpeg = jpeg_claiming(300, 300);
  jpeg.resize(22);  // cut before the frame header
  EXPECT_EQ(error_of([&] { probe_image(jpeg); }).first, ErrorCode::malformed_data);
  const Bytes sos_first = {0xFF, 0xD8, 0xFF, 0xDA, 0, 2};
  EXPECT_EQ(error_of([&] { probe_image(sos_first); }).first, ErrorCode::malformed_data);
  auto tiff = tiff_claiming(300, 300, true);
  tiff[4] = 0xF0;  // first directory outside the file
  EXPECT_EQ(error_of([&] { probe_image(tiff); }).first, ErrorCode::malformed_data);
  auto jp2 = jp2_claiming(300, 300, 300, 300);
  jp2.resize(40);
  EXPECT_EQ(error_of([&] { probe_image(jp2); }).first, ErrorCode::malformed_data);
  const Bytes png_no_ihdr = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'X', 'X', 'X', 'X',
                             0,    0,   1,   0,   0,    0,    1,    0};
  EXPECT_EQ(error_of([&] { probe_image(png_no_ihdr); }).first, ErrorCode::malformed_data);
}

// The probes agree with what real encoders write.
TEST(ImageLimits, RealFilesProbeToTheirSize) {
  cv::Mat m(123, 77, CV_8U, cv::Scalar(90));
  cv::randu(m, 0, 255);
  const std::vector<std::pair<std::string, ImageFormat>> kinds = {
      {".png", ImageFormat::png}, {".jpg", ImageFormat::jpeg}, {".bmp", ImageFormat::bmp},
      {".tif", ImageFormat::tiff}, {".pgm", ImageFormat::pnm}, {".jp2", ImageFormat::jpeg2000}};
  for (const auto& [ext, format] : kinds) {
    const auto bytes = encoded(m, ext);
    const auto h = probe_image(bytes);
    EXPECT_EQ(h.format, format) << ext;
    EXPECT_EQ(h.width, 77) << ext;
    EXPECT_EQ(h.height, 123) << ext;
    const auto img = decode_gray_image(bytes);
    EXPECT_EQ(img.width, 77) << ext;
  }
}

TEST(ImageLimits, FingerprintImagesHaveTighterLimitsThanPhotos) {
  // 3000 x 3000: a photo, not one finger.
  const auto big = encoded(cv::Mat(3000, 3000, CV_8U, cv::Scalar(128)), ".png");
  EXPECT_EQ(error_of([&] { decode_gray_image(big); }).first, ErrorCode::limit_exceeded);
  EXPECT_EQ(decode_color_image(big).width, 3000);
  const auto strip = encoded(cv::Mat(200, 1800, CV_8U, cv::Scalar(128)), ".png");
  const auto [code, message] = error_of([&] { decode_gray_image(strip); });
  EXPECT_EQ(code, ErrorCode::limit_exceeded);
  EXPECT_NE(message.find("unequal"), std::string::npos) << message;
  // The 84 KB all-white 8192 x 8192 PNG: refused from its header.
  const auto white = encoded(cv::Mat(8192, 8192, CV_8U, cv::Scalar(255)), ".png");
  EXPECT_LT(white.size(), 200000u);
  EXPECT_EQ(error_of([&] { decode_gray_image(white); }).first, ErrorCode::limit_exceeded);
}

TEST(ImageLimits, ExtractionRefusesBlankAndOversizedImagesBeforeWork) {
  GrayImage blank;
  blank.width = blank.height = 1500;
  blank.pixels.assign(1500 * 1500, 255);
  auto r = extract_finger(blank);
  EXPECT_EQ(r.finger.quality, 0);
  ASSERT_EQ(r.reasons.size(), 1u);
  EXPECT_NE(r.reasons[0].find("blank image"), std::string::npos) << r.reasons[0];
  EXPECT_TRUE(r.finger.minutiae.empty());
  // Noise of a grey level or two is still blank.
  for (std::size_t i = 0; i < blank.pixels.size(); i += 7) blank.pixels[i] = 252;
  EXPECT_NE(extract_finger(blank).reasons.at(0).find("blank"), std::string::npos);
  // Built by the caller (no decoder involved): too many pixels at 500 dpi.
  GrayImage huge;
  huge.width = huge.height = 1200;
  huge.dpi = 250;  // 2400 x 2400 once brought to 500 dpi
  huge.pixels.assign(1200 * 1200, 0);
  for (std::size_t i = 0; i < huge.pixels.size(); ++i) huge.pixels[i] = static_cast<std::uint8_t>(i * 37);
  r = extract_finger(huge);
  EXPECT_EQ(r.finger.quality, 0);
  EXPECT_NE(r.reasons.at(0).find("too large"), std::string::npos) << r.reasons.at(0);
}

// Every image is decoded through our entry points, whose header check
// refuses an oversized one before OpenCV sees its bytes. OpenCV's own limit
// is read when its library loads, before main() could set it: programs set
// it for the processes they start (no second exec of themselves).
TEST(ImageLimits, OurCheckComesFirstAndChildrenGetOpenCvsLimit) {
  const auto big = encoded(cv::Mat(7000, 7000, CV_8U, cv::Scalar(0)), ".png");
  const auto [code, message] = error_of([&] { decode_color_image(big); });
  EXPECT_EQ(code, ErrorCode::limit_exceeded);
  EXPECT_NE(message.find("7000x7000"), std::string::npos) << message;
  const auto [gcode, gmessage] = error_of([&] { decode_gray_image(big); });
  EXPECT_EQ(gcode, ErrorCode::limit_exceeded);
  // The test program's main() called limit_opencv_for_children(): a child
  // process starts with the variable.
  FILE* child = ::popen("sh -c 'printf %s \"$OPENCV_IO_MAX_IMAGE_PIXELS\"'", "r");
  ASSERT_NE(child, nullptr);
  char buf[64] = {};
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, child);
  ::pclose(child);
  EXPECT_EQ(std::string(buf, n), kOpenCvPixelLimit);
}

}  // namespace
}  // namespace tunggal
