// Step 8's side-by-side view: the capture and each candidate, their face
// and fingerprint images in columns by finger position, the scores beside
// them, drawn into one PNG for the identity section head.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tunggal/finger_template.h"
#include "tunggal/image.h"

namespace tunggal::workflow::detail {

struct SheetRow {
  std::string title;               // "capture A000012", "candidate 1: P000031"
  std::vector<std::string> lines;  // name, scores
  std::optional<ColorImage> photo;
  std::map<FingerPosition, GrayImage> fingers;
  std::string missing;             // why images are absent ("" when held)
};

// One row per person, one column for the face and one per position in
// `positions`; written owner-only (0600); throws Error(io) when the PNG
// cannot be written.
void write_adjudication_sheet(const std::vector<SheetRow>& rows, const std::vector<FingerPosition>& positions,
                              const std::filesystem::path& png);

}  // namespace tunggal::workflow::detail
