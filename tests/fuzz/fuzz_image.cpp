// libFuzzer target for the image entry point: decoding (PNG, JPEG, BMP,
// TIFF, PGM through OpenCV, after our header checks) and, for small images,
// the whole extraction. Contract: only tunggal::Error escapes; extraction of
// any decodable image returns a valid template.
#include <cstdlib>

#include "tunggal/error.h"
#include "tunggal/extraction.h"
#include "tunggal/formats.h"
#include "tunggal/image.h"

using namespace tunggal;

extern "C" int LLVMFuzzerInitialize(int*, char*** argv) {
  limit_opencv_for_children();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  GrayImage img;
  try {
    img = decode_gray_image({data, size});
  } catch (const Error&) {
    return 0;
  }
  if (img.width > 400 || img.height > 400) return 0;  // keep executions fast
  try {
    const ExtractionResult r = extract_finger(img);
    DecodeOptions o;
    o.allow_empty = true;
    validate(r.finger, o, "extracted template");  // throws if extraction produced nonsense
  } catch (const Error& e) {
    if (e.code() == ErrorCode::internal || e.code() == ErrorCode::malformed_data) std::abort();
  }
  return 0;
}
