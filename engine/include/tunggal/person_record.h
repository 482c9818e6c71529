// PersonRecord: one enrolment as the matcher sees it — a reference id, up to
// ten finger templates by ISO finger position, a face template, the time of
// enrolment, and attributes (demographic data) that the engine carries but
// never interprets. Serialised in a native versioned binary with CRC-32C.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tunggal/finger_template.h"
#include "tunggal/formats.h"

namespace tunggal {

struct FaceTemplate {
  // Identifies the embedder; templates of different models never compare.
  // Synthetic embeddings say so here ("synthetic-...").
  std::string model;
  std::vector<float> embedding;  // L2-normalised
  std::uint8_t quality = 0;      // 0-100

  friend bool operator==(const FaceTemplate&, const FaceTemplate&) = default;
};

// Whether `id` may name a person (a record's reference id): 1-64 printable
// ASCII characters, no space. Services check it at their edge, before any
// work, with the same rule the record codec enforces.
bool is_valid_record_id(std::string_view id) noexcept;

struct PersonRecord {
  std::string id;                       // reference id, 1-64 printable ASCII
  std::vector<FingerTemplate> fingers;  // at most one per finger position 1-10
  std::optional<FaceTemplate> face;
  std::int64_t enrolled_at = 0;  // seconds since the Unix epoch (UTC)
  // Key/value attributes (UTF-8), e.g. the claimed identity's demographics.
  std::vector<std::pair<std::string, std::string>> attributes;

  const FingerTemplate* finger(FingerPosition p) const;
  const std::string* attribute(std::string_view key) const;

  friend bool operator==(const PersonRecord&, const PersonRecord&) = default;
};

inline constexpr std::size_t kMaxRecordIdLength = 64;
inline constexpr std::size_t kMaxFaceDimensions = 4096;

// Throws tunggal::Error (malformed_data, checksum_mismatch, unsupported,
// limit_exceeded) naming the problem.
PersonRecord decode_person_record(std::span<const std::uint8_t> bytes,
                                  const DecodeOptions& options = {});
std::vector<std::uint8_t> encode_person_record(const PersonRecord& record);

}  // namespace tunggal
