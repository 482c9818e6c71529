// The biometrics MOSIP sends: a CBEFF document (ISO/IEC 19785-3 XML, a BIR
// with one child BIR per sample), and inside each sample's BDB an ISO/IEC
// 19794-4:2011 finger image record or a 19794-5:2011 face image record.
// Parsers of outside data: they throw tunggal::Error (malformed_data,
// limit_exceeded, unsupported) naming what is wrong, never crash.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tunggal/finger_template.h"
#include "tunggal/image.h"
#include "tunggal/text.h"

namespace tunggal::abis {

enum class Modality { finger, face, iris, other };

struct CbeffSample {
  Modality modality = Modality::other;
  std::string type, subtype;          // as written ("Finger", "Left IndexFinger")
  FingerPosition position = FingerPosition::unknown;  // fingers: from the subtype
  std::string format_organization;    // "Mosip", "257"
  int format_type = 0;                // 7 finger image, 2 finger minutiae, 8 face, 9 iris
  std::optional<int> quality;         // Quality/Score
  bool exception = false;             // a missing finger (MOSIP's others/EXCEPTION, or no BDB)
  std::vector<std::uint8_t> bdb;      // decoded from base64
};

struct CbeffDocument {
  std::vector<CbeffSample> samples;
};

inline constexpr std::size_t kMaxCbeffBytes = 64u << 20;  // ten rolled prints and a face, with room
inline constexpr std::size_t kMaxCbeffSamples = 64;

// Any namespace (or none) is accepted; a document with a DOCTYPE or
// entity declarations is refused (MOSIP never sends one, and it is how XML
// bombs and external entities come in).
CbeffDocument parse_cbeff(std::span<const std::uint8_t> xml);

// "Left IndexFinger", "Right Thumb", "Left Little Finger", ...: the ISO
// position (unknown when it names none).
FingerPosition finger_position_of(std::string_view subtype) noexcept;

// ISO/IEC 19794-4:2011: the first finger representation's image, decoded
// (JPEG 2000, PNG, JPEG, or raw 8-bit), at the record's resolution.
struct FingerImageRecord {
  FingerPosition position = FingerPosition::unknown;
  int compression = 0;  // 0 raw, 1 bit-packed, 2 WSQ, 3 JPEG, 4/5 JPEG 2000, 6 PNG
  int quality = -1;     // the first quality block's score (-1: none)
  GrayImage image;
};
FingerImageRecord parse_finger_image_record(std::span<const std::uint8_t> bytes);

// ISO/IEC 19794-5:2011: the first face representation's image, decoded
// (JPEG, JPEG 2000, PNG).
struct FaceImageRecord {
  int image_data_type = 0;  // 0 JPEG, 1 JPEG 2000 lossy, 2 JPEG 2000 lossless, 3 PNG
  ColorImage image;
};
FaceImageRecord parse_face_image_record(std::span<const std::uint8_t> bytes);

// The writers (MOSIP's side: for tests, benchmarks and a registration
// simulator). `compression` 5 writes JPEG 2000 lossless (what MOSIP sends),
// 6 PNG, 0 raw; faces are written as JPEG (0) or PNG (3).
std::vector<std::uint8_t> encode_finger_image_record(const GrayImage& image, FingerPosition position, int quality = 80,
                                                     int compression = 5);
std::vector<std::uint8_t> encode_face_image_record(const ColorImage& image, int image_data_type = 0);
// A CBEFF document in MOSIP's shape (the ISO 19785-3 ed-2 namespace), each
// sample's BDB base64-encoded; an exception writes no BDB.
std::string encode_cbeff(const CbeffDocument& doc);

// RFC 4648 base64 (tunggal/text.h): both alphabets, padding optional,
// whitespace ignored (what CBEFF writers emit varies).
using tunggal::decode_base64;
using tunggal::encode_base64;

}  // namespace tunggal::abis
