// The real interoperability test: templates written by other vendors'
// extractors, from ../shared/data.
#include <gtest/gtest.h>

#include "test_support.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/formats.h"
#include "tunggal/image.h"

namespace tunggal {
namespace {

TEST(SharedData, EveryFvc2002IsoTemplateParsesAndRoundTrips) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  std::size_t files = 0, minutiae = 0;
  for (const char* db : {"DB1_B", "DB2_B", "DB3_B", "DB4_B"}) {
    const auto ds = datasets::scan_fvc_folder(data / "fvc2002" / db, ".iso");
    EXPECT_EQ(ds.templates.size(), 80u) << db;
    for (const auto& s : ds.templates) {
      const auto bytes = read_file(s.path);
      ASSERT_EQ(detect_format(bytes), TemplateFormat::iso19794_2_2005) << s.path;
      std::vector<FingerTemplate> views;
      ASSERT_NO_THROW(views = decode_iso19794_2(bytes)) << s.path;
      ASSERT_EQ(views.size(), 1u);
      // The vendor wrote a 300x400 frame (see shared/README.md).
      EXPECT_EQ(views[0].width, 300);
      EXPECT_EQ(views[0].height, 400);
      EXPECT_EQ(views[0].dpi_x, 500);
      EXPECT_GE(views[0].minutiae.size(), 5u);
      minutiae += views[0].minutiae.size();
      // Byte-identical re-encoding, and lossless through the native format.
      EXPECT_EQ(encode_iso19794_2(views), bytes) << s.path;
      EXPECT_EQ(decode_native(encode_native(views)), views) << s.path;
      ++files;
    }
  }
  EXPECT_EQ(files, 320u);
  EXPECT_GT(minutiae / files, 20u);
}

TEST(SharedData, SourceAfisIsoTemplatesParse) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  for (const char* name : {"iso-probe.dat", "iso-matching.dat", "iso-nonmatching.dat"}) {
    const auto bytes = read_file(data / "sourceafis" / name);
    const auto views = decode(bytes, detect_format(bytes));
    ASSERT_EQ(views.size(), 1u) << name;
    EXPECT_EQ(views[0].quality, 100);
    EXPECT_GE(views[0].minutiae.size(), 30u);
    // A 5-byte extended data block (one area) and zero padding to 384 bytes.
    EXPECT_EQ(views[0].extended_data.size(), 5u);
    EXPECT_EQ(bytes.size(), 384u);
    const auto again = encode_iso19794_2(views);
    EXPECT_TRUE(std::equal(again.begin(), again.end(), bytes.begin())) << name;
  }
  const auto probe = decode_iso19794_2(read_file(data / "sourceafis" / "iso-probe.dat"));
  EXPECT_EQ(probe[0].width, 224);
  EXPECT_EQ(probe[0].height, 288);
}

TEST(SharedData, FvcImagesLoadWithTheirRealSizes) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  const auto ds = datasets::scan_fvc_folder(data / "fvc2002" / "DB2_B");
  ASSERT_EQ(ds.images.size(), 80u);
  const GrayImage img = read_gray_image(ds.images.front().path);
  EXPECT_EQ(img.width, 296);
  EXPECT_EQ(img.height, 560);
  EXPECT_EQ(img.pixels.size(), 296u * 560u);
}

}  // namespace
}  // namespace tunggal
