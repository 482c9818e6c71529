// libFuzzer target for the gallery snapshot's block decoder (checksums are
// checked before it, but a file is outside data all the same). The first
// byte is the people count; the header is fixed (2 key tables, 4-d faces).
// Contract: malformed blocks raise tunggal::Error only; a block that decodes
// re-encodes to the same bytes.
#include <cstdlib>

#include "../../engine/src/gallery/snapshot.h"
#include "tunggal/error.h"

using namespace tunggal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  detail::SnapshotHeader h;
  h.tables = 2;
  h.face_model = "m";
  h.face_dim = 4;
  const std::span<const std::uint8_t> body(data + 1, size - 1);
  std::vector<detail::EnrolledPerson> people;
  try {
    people = detail::decode_snapshot_block(body, data[0], h, "fuzz");
  } catch (const Error&) {
    return 0;
  }
  const auto again = detail::encode_snapshot_block(people, h.tables);
  if (!std::equal(again.begin(), again.end(), body.begin(), body.end())) std::abort();
  return 0;
}
