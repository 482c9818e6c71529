// libFuzzer target for what an applicant uploads (office step 1): the
// document check by content. Contract: never throws, never crashes, and a
// document it accepts has a type.
#include <cstdlib>

#include "../../workflow/src/office/documents.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto c = tunggal::workflow::detail::check_document({data, size});
  if (c.problem.empty() && c.type.empty()) std::abort();
  return 0;
}
