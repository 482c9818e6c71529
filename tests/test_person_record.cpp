#include <gtest/gtest.h>

#include <random>

#include "test_support.h"
#include "tunggal/error.h"
#include "tunggal/person_record.h"

namespace tunggal {
namespace {

PersonRecord sample_record() {
  std::mt19937 rng(3);
  PersonRecord r;
  r.id = "R00000042";
  r.enrolled_at = 1767225600;
  for (int p : {1, 2, 7}) {
    FingerTemplate t = test::random_template(rng, 20 + p);
    t.position = static_cast<FingerPosition>(p);
    r.fingers.push_back(t);
  }
  FingerTemplate empty = test::random_template(rng, 0);  // a failed capture is kept
  empty.position = FingerPosition::left_little;
  r.fingers.push_back(empty);
  r.face = FaceTemplate{"synthetic-arcface512-v1", std::vector<float>(512, 0.0441941738f), 77};
  r.attributes = {{"nik", "3273014509970001"}, {"name", "SITI RAHAYU"}};
  return r;
}

TEST(PersonRecord, RoundTripKeepsEverything) {
  const PersonRecord r = sample_record();
  const auto bytes = encode_person_record(r);
  EXPECT_EQ(decode_person_record(bytes), r);
  EXPECT_NE(r.finger(FingerPosition::left_index), nullptr);
  EXPECT_EQ(r.finger(FingerPosition::right_thumb)->minutiae.size(), 21u);
  EXPECT_EQ(*r.attribute("name"), "SITI RAHAYU");
  EXPECT_EQ(r.attribute("missing"), nullptr);
}

TEST(PersonRecord, CorruptionAndTruncationAreTypedErrors) {
  const auto good = encode_person_record(sample_record());
  for (std::size_t n = 0; n < good.size(); n += 97) {
    try {
      decode_person_record(std::span(good).first(n));
      ADD_FAILURE() << "prefix " << n << " parsed";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::malformed_data) << e.what();
    }
  }
  auto flipped = good;
  flipped[100] ^= 1;
  try {
    decode_person_record(flipped);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::checksum_mismatch);
  }
}

TEST(PersonRecord, EncoderRefusesInvalidRecords) {
  PersonRecord r = sample_record();
  r.fingers[1].position = r.fingers[0].position;
  EXPECT_THROW(encode_person_record(r), Error);
  r = sample_record();
  r.id = "has space";
  EXPECT_THROW(encode_person_record(r), Error);
  r = sample_record();
  r.face->embedding[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(encode_person_record(r), Error);
  r = sample_record();
  r.fingers[0].position = FingerPosition::unknown;
  EXPECT_THROW(encode_person_record(r), Error);
  // Attributes are UTF-8 text; the error does not echo the bad bytes.
  for (const std::string& bad : {std::string("\xff"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
                                std::string("ok\xe2\x82")}) {
    r = sample_record();
    r.attributes.emplace_back("name", bad);
    try {
      encode_person_record(r);
      ADD_FAILURE() << "invalid UTF-8 encoded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(e.what()).find("not valid UTF-8"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find(bad), std::string::npos);
    }
    r = sample_record();
    r.attributes.emplace_back(bad, "value");
    EXPECT_THROW(encode_person_record(r), Error);
  }
  r = sample_record();
  r.attributes.emplace_back("address", "JL. MERD\xc3\x89KA \xf0\x9f\x8f\xa0");  // É and a house
  EXPECT_EQ(decode_person_record(encode_person_record(r)), r);
}

}  // namespace
}  // namespace tunggal
