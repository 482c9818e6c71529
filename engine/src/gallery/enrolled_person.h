// A person in the gallery's native form: cylinders, fingerprint index keys
// and the quantised face, made outside any lock from a PersonRecord (or
// decoded from a snapshot, which is why it is a plain value).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tunggal/comparison.h"
#include "tunggal/face.h"
#include "tunggal/finger_template.h"

namespace tunggal::detail {

inline constexpr std::size_t kPositions = kMaxFingerPosition + 1;  // index 0 unused

struct EnrolledPerson {
  std::string ref;
  std::array<EnrolledFinger, kPositions> fingers;
  std::array<std::vector<std::uint32_t>, kPositions> keys;  // fingerprint index keys, cylinder-major
  std::optional<QuantizedEmbedding> face;  // int8 embedding with its scale
  std::string face_model;                  // the model that made it
  std::vector<std::uint8_t> encoded;       // the log payload (inserts only)
};

}  // namespace tunggal::detail
