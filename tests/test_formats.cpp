#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "test_support.h"
#include "tunggal/error.h"
#include "tunggal/formats.h"

namespace tunggal {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Runs `f`, expects a tunggal::Error with `code` whose message contains `text`.
template <typename F>
void expect_error(F&& f, ErrorCode code, const std::string& text) {
  ASSERT_FALSE(text.empty()) << "an empty expected message is found in any message";
  try {
    f();
    ADD_FAILURE() << "no error thrown; expected: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos)
        << "message \"" << e.what() << "\" lacks \"" << text << "\"";
  }
}

FingerTemplate sample(std::uint32_t seed = 1, int minutiae = 40) {
  std::mt19937 rng(seed);
  return test::random_template(rng, minutiae);
}

TEST(Iso19794, RoundTripIsExact) {
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    const FingerTemplate t = sample(seed, 1 + static_cast<int>(seed % 100));
    const Bytes bytes = encode_iso19794_2({&t, 1});
    EXPECT_EQ(bytes.size(), 24u + 4 + 6 * t.minutiae.size() + 2);
    const auto back = decode_iso19794_2(bytes);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0], t) << "seed " << seed;
    EXPECT_EQ(encode_iso19794_2(back), bytes);
  }
}

TEST(Iso19794, HeaderFieldsAreWhereTheStandardPutsThem) {
  FingerTemplate t = sample(3, 2);
  t.width = 300;
  t.height = 400;
  t.position = FingerPosition::left_index;
  t.view = 2;
  t.impression = ImpressionType::live_scan_rolled;
  t.quality = 77;
  t.minutiae[0] = {0x0123, 0x0021, 0.0f, MinutiaType::bifurcation, 55};
  const Bytes b = encode_iso19794_2({&t, 1});
  EXPECT_EQ(std::string(b.begin(), b.begin() + 8), std::string("FMR\0 20\0", 8));
  EXPECT_EQ((b[8] << 24) | (b[9] << 16) | (b[10] << 8) | b[11], static_cast<int>(b.size()));
  EXPECT_EQ((b[14] << 8) | b[15], 300);
  EXPECT_EQ((b[16] << 8) | b[17], 400);
  EXPECT_EQ((b[18] << 8) | b[19], 197);  // 500 dpi in pixels per centimetre
  EXPECT_EQ(b[22], 1);                   // views
  EXPECT_EQ(b[24], 7);                   // finger position
  EXPECT_EQ(b[25], 0x21);                // view 2, impression 1
  EXPECT_EQ(b[26], 77);
  EXPECT_EQ(b[27], 2);
  EXPECT_EQ(b[28], 0x80 | 0x01);  // type bifurcation (10) in the top bits of x
  EXPECT_EQ(b[29], 0x23);
}

TEST(Iso19794, SeveralViewsAndExtendedDataRoundTrip) {
  std::vector<FingerTemplate> views{sample(4), sample(5, 12), sample(6, 255)};
  for (auto& v : views) {
    v.width = 500;
    v.height = 500;
    for (auto& m : v.minutiae) {
      m.x = static_cast<std::uint16_t>(m.x % 500);
      m.y = static_cast<std::uint16_t>(m.y % 500);
    }
  }
  views[1].view = 1;
  // Two areas: type 0x0001 (ridge counts) of 7 bytes, a vendor area of 4 bytes.
  views[1].extended_data = {0x00, 0x01, 0x00, 0x07, 0xAA, 0xBB, 0xCC, 0xFF, 0x00, 0x00, 0x04};
  const Bytes b = encode_iso19794_2(views);
  const auto back = decode_iso19794_2(b);
  EXPECT_EQ(back, views);
}

TEST(Iso19794, ZeroPaddingAfterTheRecordIsAccepted) {
  const FingerTemplate t = sample(7);
  Bytes b = encode_iso19794_2({&t, 1});
  b.resize(b.size() + 100, 0);
  EXPECT_EQ(decode_iso19794_2(b).at(0), t);
  b.back() = 1;
  expect_error([&] { decode_iso19794_2(b); }, ErrorCode::malformed_data, "after the record");
}

TEST(Iso19794, EveryTruncationIsATypedError) {
  const FingerTemplate t = sample(8, 30);
  const Bytes b = encode_iso19794_2({&t, 1});
  for (std::size_t n = 0; n < b.size(); ++n) {
    try {
      decode_iso19794_2(std::span(b).first(n));
      ADD_FAILURE() << "prefix of " << n << " bytes parsed";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::malformed_data) << e.what();
    }
  }
}

TEST(Iso19794, MalformedFieldsAreNamed) {
  const FingerTemplate t = sample(9, 10);
  const Bytes good = encode_iso19794_2({&t, 1});
  auto patched = [&](std::size_t at, std::uint8_t v) {
    Bytes b = good;
    b[at] = v;
    return b;
  };
  expect_error([&] { decode_iso19794_2(patched(0, 'X')); }, ErrorCode::malformed_data,
               "format identifier");
  expect_error([&] { decode_iso19794_2(patched(5, '3')); }, ErrorCode::unsupported, "version");
  // Length field lies: longer than the data, shorter than the views.
  expect_error([&] { decode_iso19794_2(patched(11, static_cast<std::uint8_t>(good.size() + 1))); },
               ErrorCode::malformed_data, "truncated");
  expect_error([&] { decode_iso19794_2(patched(11, static_cast<std::uint8_t>(good.size() - 6))); },
               ErrorCode::malformed_data, "unexpected non-zero bytes after the record");
  expect_error([&] { decode_iso19794_2(patched(22, 0)); }, ErrorCode::malformed_data,
               "no finger views");
  expect_error([&] { decode_iso19794_2(patched(22, 2)); }, ErrorCode::malformed_data, "truncated");
  expect_error([&] { decode_iso19794_2(patched(24, 11)); }, ErrorCode::malformed_data,
               "finger position 11");
  expect_error([&] { decode_iso19794_2(patched(26, 101)); }, ErrorCode::malformed_data,
               "finger quality 101");
  // Fewer minutiae than the record holds: the rest is misread as extended data.
  expect_error([&] { decode_iso19794_2(patched(27, 0)); }, ErrorCode::malformed_data,
               "extended data");
  expect_error([&] { decode_iso19794_2(patched(28, 0xFF)); }, ErrorCode::malformed_data,
               "reserved type code 3");
  expect_error([&] { decode_iso19794_2(patched(30, 0x40)); }, ErrorCode::malformed_data,
               "reserved bits");
  expect_error([&] { decode_iso19794_2(patched(33, 250)); }, ErrorCode::malformed_data,
               "quality 250 exceeds 100");
  Bytes no_width = patched(14, 0);
  no_width[15] = 0;
  expect_error([&] { decode_iso19794_2(no_width); }, ErrorCode::malformed_data, "is empty");
}

TEST(Iso19794, ImpossibleCoordinatesAreRejected) {
  FingerTemplate t = sample(10, 5);
  t.width = 400;
  t.height = 400;
  for (auto& m : t.minutiae) m.x = m.y = 10;
  Bytes b = encode_iso19794_2({&t, 1});
  b[14] = 0;  // width 400 -> 144: minutiae fit
  b[15] = 5;  // width 5: x=10 is outside
  expect_error([&] { decode_iso19794_2(b); }, ErrorCode::malformed_data, "outside image width");
}

TEST(Iso19794, EmptyViewsNeedPermission) {
  FingerTemplate t = sample(11, 0);
  const Bytes b = encode_iso19794_2({&t, 1});
  expect_error([&] { decode_iso19794_2(b); }, ErrorCode::malformed_data, "no minutiae");
  DecodeOptions o;
  o.allow_empty = true;
  EXPECT_TRUE(decode_iso19794_2(b, o).at(0).minutiae.empty());
}

TEST(Iso19794, ExtendedDataThatLiesIsRejected) {
  FingerTemplate t = sample(12, 3);
  t.extended_data = {0x00, 0x01, 0x00, 0x05, 0x42};
  Bytes b = encode_iso19794_2({&t, 1});
  const std::size_t area_len_at = b.size() - 2;  // low byte of the area length
  b[area_len_at] = 9;
  expect_error([&] { decode_iso19794_2(b); }, ErrorCode::malformed_data, "extended data area");
  b[area_len_at] = 2;
  expect_error([&] { decode_iso19794_2(b); }, ErrorCode::malformed_data, "extended data area");
}

TEST(Iso19794, EncoderRefusesWhatItCannotWrite) {
  FingerTemplate a = sample(13), b = sample(14);
  b.width = static_cast<std::uint16_t>(a.width + 1);
  const std::vector<FingerTemplate> both{a, b};
  expect_error([&] { encode_iso19794_2(both); }, ErrorCode::invalid_argument, "share image size");
  expect_error([&] { encode_iso19794_2({}); }, ErrorCode::invalid_argument, "no finger views");
  FingerTemplate big = sample(15, 256);
  expect_error([&] { encode_iso19794_2({&big, 1}); }, ErrorCode::limit_exceeded, "256 minutiae");
}

TEST(Iso19794, UsualResolutionsSurviveTheCentimetreUnits) {
  for (std::uint16_t dpi : {250, 300, 500, 600, 1000, 1200, 2000}) {
    FingerTemplate t = sample(30, 5);
    t.dpi_x = t.dpi_y = dpi;
    EXPECT_EQ(decode_iso19794_2(encode_iso19794_2({&t, 1})).at(0).dpi_x, dpi);
  }
  FingerTemplate tiny = sample(31, 5);
  tiny.dpi_x = 1;  // 0 pixels per centimetre: not writable
  expect_error([&] { encode_iso19794_2({&tiny, 1}); }, ErrorCode::invalid_argument, "resolution");
}

TEST(Formats, WhatAnEncoderWritesItsDecoderReads) {
  // Extended data that is not a sequence of areas is refused everywhere.
  FingerTemplate t = sample(32, 5);
  t.extended_data = {0x05, 0x00, 0x10};
  expect_error([&] { encode_native({&t, 1}); }, ErrorCode::invalid_argument, "extended data");
  expect_error([&] { encode_iso19794_2({&t, 1}); }, ErrorCode::invalid_argument, "extended data");
  // View and minutiae limits are the same in both directions.
  std::vector<FingerTemplate> many(kMaxViewsPerRecord + 1, sample(33, 3));
  expect_error([&] { encode_iso19794_2(many); }, ErrorCode::invalid_argument, "finger views");
  FingerTemplate big = sample(34, 300);
  expect_error([&] { encode_native({&big, 1}); }, ErrorCode::limit_exceeded, "300 minutiae");
}

TEST(Ansi378, RoundTripOnTheTwoDegreeGrid) {
  for (std::uint32_t seed = 1; seed <= 30; ++seed) {
    FingerTemplate t = sample(seed);
    std::mt19937 rng(seed);
    for (auto& m : t.minutiae) {
      m.angle = static_cast<float>(std::uniform_int_distribution<int>(0, 179)(rng) *
                                   6.283185307179586 / 180.0);
    }
    t.product_id = 0x00330001;
    t.capture_equipment = 0x1234;
    const Bytes b = encode_ansi378({&t, 1});
    EXPECT_EQ(b.size(), 26u + 4 + 6 * t.minutiae.size() + 2);
    EXPECT_EQ(decode_ansi378(b).at(0), t);
    EXPECT_EQ(detect_format(b), TemplateFormat::ansi378_2004);
  }
}

TEST(Ansi378, LargeRecordsUseTheSixByteLength) {
  std::vector<FingerTemplate> views;
  for (int v = 0; v < 30; ++v) {
    FingerTemplate t = sample(100 + v, 200);
    t.width = t.height = 800;
    for (auto& m : t.minutiae) m.angle = 0.0f;
    t.extended_data.assign(4 + 1500, 0x11);
    t.extended_data[0] = 0x01;
    t.extended_data[1] = 0x00;
    t.extended_data[2] = static_cast<std::uint8_t>((4 + 1500) >> 8);
    t.extended_data[3] = static_cast<std::uint8_t>(4 + 1500);
    t.view = static_cast<std::uint8_t>(v % 16);
    views.push_back(t);
  }
  const Bytes b = encode_ansi378(views);
  ASSERT_GT(b.size(), 65535u);
  EXPECT_EQ(b[8], 0);
  EXPECT_EQ(b[9], 0);
  EXPECT_EQ(detect_format(b), TemplateFormat::ansi378_2004);
  EXPECT_EQ(decode_ansi378(b), views);
}

TEST(Ansi378, AngleBeyond179IsRejected) {
  FingerTemplate t = sample(16, 3);
  Bytes b = encode_ansi378({&t, 1});
  b[26 + 4 + 4] = 180;
  expect_error([&] { decode_ansi378(b); }, ErrorCode::malformed_data, "exceeds 179");
}

TEST(Xyt, M1RoundTrip) {
  FingerTemplate t = sample(17);
  for (auto& m : t.minutiae) {
    m.type = MinutiaType::other;                                            // .xyt carries no type
    m.angle = static_cast<float>((m.x % 180) * 6.283185307179586 / 180.0);  // M1: 2-degree units
  }
  EncodeOptions eo;
  eo.xyt_convention = XytConvention::m1;
  const Bytes text = encode_xyt(t, eo);
  DecodeOptions o;
  o.xyt_convention = XytConvention::m1;
  o.xyt_width = t.width;
  o.xyt_height = t.height;
  FingerTemplate back = decode_xyt(text, o);
  back.position = t.position;  // not stored in .xyt
  back.quality = t.quality;
  EXPECT_EQ(back, t);
}

TEST(Xyt, M1ThetaIsInTwoDegreeUnits) {
  // mindtct -m1 writes theta = direction / 2 (NBIS lfs2m1_minutia_XYT).
  const std::string text = "10 20 45\n";
  DecodeOptions o;
  o.xyt_convention = XytConvention::m1;
  const FingerTemplate t =
      decode_xyt({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, o);
  EXPECT_NEAR(t.minutiae[0].angle, M_PI / 2, 1e-5);  // 45 units = 90 degrees
}

TEST(Xyt, NistConventionFlipsYAndDirection) {
  const std::string text = "10 290 90 55\n20 1 0\n\n";  // y up from the bottom of a 300-row image
  DecodeOptions o;
  o.xyt_height = 300;
  const FingerTemplate t =
      decode_xyt({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, o);
  ASSERT_EQ(t.minutiae.size(), 2u);
  EXPECT_EQ(t.minutiae[0].x, 10);
  EXPECT_EQ(t.minutiae[0].y, 10);
  EXPECT_NEAR(t.minutiae[0].angle, 3 * M_PI / 2, 1e-5);  // 90 + 180 degrees
  EXPECT_EQ(t.minutiae[0].quality, 55);
  EXPECT_EQ(t.minutiae[1].y, 299);
  EXPECT_NEAR(t.minutiae[1].angle, M_PI, 1e-5);
  const Bytes again = encode_xyt(t);
  EXPECT_EQ(std::string(again.begin(), again.end()), "10 290 90 55\n20 1 0 0\n");
  DecodeOptions no_height;
  expect_error([&] { decode_xyt(again, no_height); }, ErrorCode::invalid_argument, "image height");
}

TEST(Xyt, MalformedLinesAreNamed) {
  DecodeOptions o;
  o.xyt_convention = XytConvention::m1;
  auto parse = [&](const std::string& s) {
    return decode_xyt({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}, o);
  };
  expect_error([&] { parse("1 2\n"); }, ErrorCode::malformed_data, "line 1");
  expect_error([&] { parse("1 2 3\n1 2 x\n"); }, ErrorCode::malformed_data, "line 2 field 3");
  expect_error([&] { parse("1 2 180\n"); }, ErrorCode::malformed_data, "theta=180");
  expect_error([&] { parse("-1 2 3\n"); }, ErrorCode::malformed_data, "x=-1");
  expect_error([&] { parse("1 2 3 4 5\n"); }, ErrorCode::malformed_data, "more than 4 fields");
  expect_error([&] { parse("1 2 3 101\n"); }, ErrorCode::malformed_data, "quality=101");
  expect_error([&] { parse("\n\n"); }, ErrorCode::malformed_data, "no minutiae");
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "1 2 3\n";
  expect_error([&] { parse(many); }, ErrorCode::limit_exceeded, "more than 255 minutiae");
  o.xyt_width = 100;
  o.xyt_height = 100;
  expect_error([&] { parse("150 2 3\n"); }, ErrorCode::malformed_data, "outside image width");
}

TEST(Native, RoundTripKeepsEverything) {
  std::vector<FingerTemplate> views{sample(20), sample(21, 7)};
  views[0].minutiae[0].angle = 1.2345678f;  // off any grid
  views[1].product_id = 0xDEADBEEF;
  views[1].extended_data = {0x00, 0x07, 0x00, 0x05, 0x42};
  const Bytes b = encode_native(views);
  EXPECT_EQ(detect_format(b), TemplateFormat::native);
  EXPECT_EQ(decode_native(b), views);
}

TEST(Native, CorruptionIsDetected) {
  const FingerTemplate t = sample(22);
  const Bytes good = encode_native({&t, 1});
  for (std::size_t i = 12; i < good.size(); i += 7) {
    Bytes b = good;
    b[i] ^= 0x10;
    expect_error([&] { decode_native(b); }, ErrorCode::checksum_mismatch, "CRC-32C");
  }
  Bytes v2 = good;
  v2[4] = 2;
  expect_error([&] { decode_native(v2); }, ErrorCode::unsupported, "version 2");
  Bytes shorter(good.begin(), good.end() - 1);
  expect_error([&] { decode_native(shorter); }, ErrorCode::malformed_data, "payload length");
  Bytes magic = good;
  magic[0] = 'X';
  expect_error([&] { decode_native(magic); }, ErrorCode::malformed_data, "magic");
}

TEST(Detect, RecognisesEachFormatAndRejectsTheRest) {
  const FingerTemplate t = sample(23);
  EXPECT_EQ(detect_format(encode_iso19794_2({&t, 1})), TemplateFormat::iso19794_2_2005);
  EXPECT_EQ(detect_format(encode_ansi378({&t, 1})), TemplateFormat::ansi378_2004);
  EXPECT_EQ(detect_format(encode_native({&t, 1})), TemplateFormat::native);
  EXPECT_EQ(detect_format(encode_xyt(t)), TemplateFormat::nist_xyt);
  const std::string junk = "GIF89a....";
  expect_error(
      [&] {
        detect_format({reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size()});
      },
      ErrorCode::malformed_data, "unrecognised");
  expect_error([&] { detect_format({}); }, ErrorCode::malformed_data, "empty");
  const std::string plus = "+1 2 3\n";
  expect_error(
      [&] {
        detect_format({reinterpret_cast<const std::uint8_t*>(plus.data()), plus.size()});
      },
      ErrorCode::malformed_data, "unrecognised");
  // A truncated ISO record is still recognised, and decoding names the problem.
  const Bytes iso = encode_iso19794_2({&t, 1});
  const std::span<const std::uint8_t> cut(iso.data(), 30);
  EXPECT_EQ(detect_format(cut), TemplateFormat::iso19794_2_2005);
  expect_error([&] { decode(cut, detect_format(cut)); }, ErrorCode::malformed_data, "truncated");
  EXPECT_EQ(format_from_name("iso"), TemplateFormat::iso19794_2_2005);
  EXPECT_EQ(format_from_extension("a/b/101_1.XYT"), TemplateFormat::nist_xyt);
  EXPECT_FALSE(format_from_name("wsq").has_value());
}

TEST(Formats, ConvertingIsoToAnsiKeepsMinutiaeWithinOneAngleStep) {
  const FingerTemplate t = sample(24);
  const auto ansi = decode_ansi378(encode_ansi378({&t, 1})).at(0);
  ASSERT_EQ(ansi.minutiae.size(), t.minutiae.size());
  for (std::size_t i = 0; i < t.minutiae.size(); ++i) {
    EXPECT_EQ(ansi.minutiae[i].x, t.minutiae[i].x);
    EXPECT_EQ(ansi.minutiae[i].type, t.minutiae[i].type);
    double d = std::fabs(ansi.minutiae[i].angle - t.minutiae[i].angle);
    d = std::min(d, 2 * M_PI - d);
    EXPECT_LE(d, M_PI / 180.0 + 1e-6);  // half of ANSI's 2-degree step
  }
}

}  // namespace
}  // namespace tunggal
