// libFuzzer target for what a reader hands over: a width, a height, a
// resolution and bytes (as libfprint's FpImage gives them), through the
// SDK's session: extraction and the quality gate. Contract: only
// tunggal::Error escapes; any image gives a valid template and a decision.
#include <cstdlib>

#include "tunggal/error.h"
#include "tunggal/formats.h"
#include "tunggal/sdk/session.h"

using namespace tunggal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 7) return 0;  // six header bytes and at least one pixel byte
  static const sdk::Session session([] {
    sdk::SessionConfig c;
    c.face = false;
    return c;
  }());
  GrayImage img;
  img.width = 1 + (data[0] | (data[1] << 8)) % 512;
  img.height = 1 + (data[2] | (data[3] << 8)) % 512;
  img.dpi = 100 + (data[4] | (data[5] << 8)) % 1200;
  img.pixels.resize(static_cast<std::size_t>(img.width) * img.height);
  for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = data[6 + i % (size - 6)];
  try {
    const auto s = session.extract_finger(img, FingerPosition::right_index);
    DecodeOptions o;
    o.allow_empty = true;
    validate(s.finger, o, "captured template");
    if (s.acceptable != (s.quality >= 40 && !s.finger.minutiae.empty())) std::abort();
  } catch (const Error& e) {
    if (e.code() == ErrorCode::internal || e.code() == ErrorCode::malformed_data) std::abort();
  }
  return 0;
}
