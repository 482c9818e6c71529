// libFuzzer target for one template codec, chosen at compile time by
// TUNGGAL_FUZZ_CODEC (0 iso, 1 ansi, 2 xyt, 3 native, 4 auto-detect,
// 5 person record, 6 face template).
// Contract checked: malformed input only ever raises tunggal::Error; anything
// that decodes re-encodes without error and decodes to the same views.
#include <cstdlib>
#include <span>

#include "tunggal/error.h"
#include "tunggal/formats.h"
#include "tunggal/face.h"
#include "tunggal/person_record.h"

using namespace tunggal;

namespace {

TemplateFormat format_for(std::span<const std::uint8_t> in) {
  switch (TUNGGAL_FUZZ_CODEC) {
    case 0: return TemplateFormat::iso19794_2_2005;
    case 1: return TemplateFormat::ansi378_2004;
    case 2: return TemplateFormat::nist_xyt;
    case 3: return TemplateFormat::native;
    default: return detect_format(in);
  }
}

}  // namespace

int fuzz_person_record(std::span<const std::uint8_t> in) {
  PersonRecord r;
  try {
    r = decode_person_record(in);
  } catch (const Error&) {
    return 0;
  }
  try {
    const auto again = encode_person_record(r);
    if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) std::abort();
  } catch (const Error&) {
    std::abort();
  }
  return 0;
}

int fuzz_face_template(std::span<const std::uint8_t> in) {
  FaceTemplate f;
  try {
    f = decode_face_template(in);
  } catch (const Error&) {
    return 0;
  }
  try {
    const auto again = encode_face_template(f);
    if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) std::abort();
  } catch (const Error&) {
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  if (TUNGGAL_FUZZ_CODEC == 5) return fuzz_person_record(in);
  if (TUNGGAL_FUZZ_CODEC == 6) return fuzz_face_template(in);
  DecodeOptions options;
  options.allow_empty = true;
  options.xyt_convention = XytConvention::m1;  // needs no image height
  EncodeOptions enc;
  enc.xyt_convention = XytConvention::m1;
  std::vector<FingerTemplate> views;
  TemplateFormat format;
  try {
    format = format_for(in);
    views = decode(in, format, options);
  } catch (const Error&) {
    return 0;  // rejected with a typed error: the expected outcome for junk
  }
  // Decoded: the rest must not fail.
  try {
    const auto again = encode(views, format, enc);
    if (decode(again, format, options) != views) std::abort();
    if (format == TemplateFormat::native &&
        !std::equal(again.begin(), again.end(), in.begin(), in.end())) {
      std::abort();  // the native format is canonical: byte-identical
    }
    if (decode_native(encode_native(views), options) != views) std::abort();
  } catch (const Error&) {
    std::abort();
  }
  return 0;
}
