// Uploaded documents checked by content (office step 1): see documents.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tunggal::workflow::detail {

struct DocumentCheck {
  std::string type;     // "application/pdf", "image/jpeg", "image/png" ("" when none)
  std::string problem;  // "" when the document may be stored
};
DocumentCheck check_document(std::span<const std::uint8_t> bytes);

}  // namespace tunggal::workflow::detail
