// Native person record, version 1, little-endian:
//   magic "TGPR" | u16 version | u16 flags (bit 0: face present) |
//   u32 payload bytes | payload | u32 CRC-32C of everything before it
// payload: u8 id length, id | i64 enrolled_at | u8 finger count, then per
//   finger u32 length + a native template ("TGFT", one view) | face: u8 model
//   length, model, u8 quality, u16 dims, dims x f32 | u16 attribute count,
//   per attribute u16 key length, key, u32 value length, value
#include "tunggal/person_record.h"
#include "tunggal/text.h"

#include <cmath>
#include <cstring>
#include <string>

#include "envelope.h"
#include "face_body.h"

namespace tunggal {

bool is_valid_record_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxRecordIdLength) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

namespace {

constexpr std::string_view kName = "person record";
constexpr std::uint8_t kMagic[4] = {'T', 'G', 'P', 'R'};
constexpr std::uint16_t kVersion = 1;
constexpr std::size_t kMaxAttributes = 256;
constexpr std::size_t kMaxAttributeBytes = 64 * 1024;

bool printable_id(std::string_view id) { return is_valid_record_id(id); }

void check_record(const PersonRecord& r, std::string_view where, ErrorCode code) {
  auto fail = [&](const std::string& what) { throw Error(code, std::string(where) + ": " + what); };
  if (!printable_id(r.id)) fail("record id must be 1-64 printable ASCII characters without spaces");
  if (r.fingers.size() > 10) fail(std::to_string(r.fingers.size()) + " fingers (at most 10)");
  bool seen[kMaxFingerPosition + 1] = {};
  for (const auto& f : r.fingers) {
    const int p = static_cast<int>(f.position);
    if (p < 1 || p > kMaxFingerPosition)
      fail("finger position " + std::to_string(p) + " is not 1-10");
    if (seen[p]) fail("finger position " + std::to_string(p) + " appears twice");
    seen[p] = true;
  }
  if (r.face) detail::check_face(*r.face, where, code);
  if (r.attributes.size() > kMaxAttributes) fail("more than 256 attributes");
  std::size_t n = 0;
  for (const auto& [k, v] : r.attributes) {
    ++n;
    if (k.empty() || k.size() > 255) fail("attribute key must be 1-255 bytes");
    // Attributes are text for people (names, addresses): UTF-8, checked
    // here so that no reader meets bytes it cannot decode. The bad bytes
    // are not echoed.
    if (!is_valid_utf8(k)) fail("attribute " + std::to_string(n) + ": the key is not valid UTF-8");
    if (!is_valid_utf8(v)) fail("attribute \"" + k + "\" is not valid UTF-8");
    if (v.size() > kMaxAttributeBytes) fail("attribute \"" + k + "\" longer than 64 KiB");
  }
}

}  // namespace

const FingerTemplate* PersonRecord::finger(FingerPosition p) const {
  for (const auto& f : fingers) {
    if (f.position == p) return &f;
  }
  return nullptr;
}

const std::string* PersonRecord::attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::vector<std::uint8_t> encode_person_record(const PersonRecord& r) {
  check_record(r, "person record encoder", ErrorCode::invalid_argument);
  detail::ByteWriter out;
  detail::begin_envelope(out, kMagic, kVersion, r.face ? 1 : 0);
  out.u8(static_cast<std::uint8_t>(r.id.size()));
  out.append({reinterpret_cast<const std::uint8_t*>(r.id.data()), r.id.size()});
  out.le32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(r.enrolled_at)));
  out.le32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(r.enrolled_at) >> 32));
  out.u8(static_cast<std::uint8_t>(r.fingers.size()));
  for (const auto& f : r.fingers) {
    const auto bytes = encode_native({&f, 1});
    out.le32(static_cast<std::uint32_t>(bytes.size()));
    out.append(bytes);
  }
  if (r.face) detail::write_face(out, *r.face);
  out.le16(static_cast<std::uint16_t>(r.attributes.size()));
  for (const auto& [k, v] : r.attributes) {
    out.le16(static_cast<std::uint16_t>(k.size()));
    out.append({reinterpret_cast<const std::uint8_t*>(k.data()), k.size()});
    out.le32(static_cast<std::uint32_t>(v.size()));
    out.append({reinterpret_cast<const std::uint8_t*>(v.data()), v.size()});
  }
  detail::seal_envelope(out);
  return std::move(out.bytes());
}

PersonRecord decode_person_record(std::span<const std::uint8_t> bytes,
                                  const DecodeOptions& options) {
  const detail::Envelope env = detail::open_envelope(bytes, kName, kMagic, kVersion);
  const std::uint16_t flags = env.word;
  if ((flags & ~1u) != 0) detail::throw_malformed(kName, 6, "unknown flags set");
  detail::ByteReader body(env.sealed, kName);
  body.take(detail::kEnvelopeHeader, "header");
  PersonRecord r;
  const std::uint8_t id_len = body.u8("id length");
  const auto id = body.take(id_len, "id");
  r.id.assign(id.begin(), id.end());
  const std::uint64_t lo = body.le32("enrolment time"), hi = body.le32("enrolment time");
  r.enrolled_at = static_cast<std::int64_t>(lo | (hi << 32));
  // A finger may hold no minutiae (a failed or damaged capture): allowed here.
  DecodeOptions finger_options = options;
  finger_options.allow_empty = true;
  const std::uint8_t fingers = body.u8("finger count");
  if (fingers > 10)
    detail::throw_malformed(kName, body.offset() - 1,
                            std::to_string(fingers) + " fingers (at most 10)");
  for (unsigned i = 0; i < fingers; ++i) {
    const std::uint32_t len = body.le32("finger template length");
    const auto t = body.take(len, "finger template");
    auto views = decode_native(t, finger_options);
    if (views.size() != 1) {
      detail::throw_malformed(kName, body.offset(),
                              "finger " + std::to_string(i + 1) + " holds " +
                                  std::to_string(views.size()) + " views, not 1");
    }
    r.fingers.push_back(std::move(views.front()));
  }
  if (flags & 1u) r.face = detail::read_face(body, kName);
  const std::uint16_t attributes = body.le16("attribute count");
  for (unsigned i = 0; i < attributes; ++i) {
    const std::uint16_t klen = body.le16("attribute key length");
    const auto k = body.take(klen, "attribute key");
    const std::uint32_t vlen = body.le32("attribute value length");
    const auto v = body.take(vlen, "attribute value");
    r.attributes.emplace_back(std::string(k.begin(), k.end()), std::string(v.begin(), v.end()));
  }
  if (body.remaining() != 0) {
    detail::throw_malformed(kName, body.offset(),
                            std::to_string(body.remaining()) + " bytes follow the record");
  }
  check_record(r, kName, ErrorCode::malformed_data);
  return r;
}

}  // namespace tunggal
