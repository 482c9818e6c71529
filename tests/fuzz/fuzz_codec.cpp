// libFuzzer target for one template codec, chosen at compile time by
// TUNGGAL_FUZZ_CODEC (0 iso, 1 ansi, 2 xyt, 3 native, 4 auto-detect).
// Contract checked: malformed input only ever raises tunggal::Error; anything
// that decodes re-encodes without error and decodes to the same views.
#include <cstdlib>
#include <span>

#include "tunggal/error.h"
#include "tunggal/formats.h"

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

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
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
