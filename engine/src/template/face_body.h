// The face template's bytes inside a native envelope (person records "TGPR"
// and face template files "TGFC"): u8 model length, model, u8 quality,
// u16 dims, dims x f32 little-endian.
#pragma once

#include <cmath>
#include <string>

#include "byte_io.h"
#include "tunggal/person_record.h"

namespace tunggal::detail {

// Throws Error(code) naming what is wrong, prefixed with `where`.
inline void check_face(const FaceTemplate& f, std::string_view where, ErrorCode code) {
  auto fail = [&](const std::string& what) { throw Error(code, std::string(where) + ": " + what); };
  if (f.model.empty() || f.model.size() > 255) fail("face model id must be 1-255 bytes");
  if (f.embedding.empty() || f.embedding.size() > kMaxFaceDimensions) {
    fail("face embedding has " + std::to_string(f.embedding.size()) + " dimensions (1-" +
         std::to_string(kMaxFaceDimensions) + ")");
  }
  for (float v : f.embedding) {
    if (!std::isfinite(v)) fail("face embedding holds a non-finite value");
  }
  if (f.quality > 100) fail("face quality exceeds 100");
}

inline void write_face(ByteWriter& out, const FaceTemplate& f) {
  out.u8(static_cast<std::uint8_t>(f.model.size()));
  out.append({reinterpret_cast<const std::uint8_t*>(f.model.data()), f.model.size()});
  out.u8(f.quality);
  out.le16(static_cast<std::uint16_t>(f.embedding.size()));
  for (float v : f.embedding) out.lef32(v);
}

inline FaceTemplate read_face(ByteReader& body, std::string_view name) {
  FaceTemplate face;
  const std::uint8_t model_len = body.u8("face model length");
  const auto model = body.take(model_len, "face model");
  face.model.assign(model.begin(), model.end());
  face.quality = body.u8("face quality");
  const std::uint16_t dims = body.le16("face dimensions");
  if (dims > kMaxFaceDimensions) {
    throw Error(ErrorCode::limit_exceeded, std::string(name) + ": face embedding of " +
                                               std::to_string(dims) +
                                               " dimensions exceeds the limit");
  }
  face.embedding.resize(dims);
  for (std::size_t i = 0; i < dims; ++i) face.embedding[i] = body.lef32("face embedding");
  return face;
}

}  // namespace tunggal::detail
