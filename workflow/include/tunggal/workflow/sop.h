// The civil-registry procedure for issuing the electronic ID card (KTP-el),
// as an ordered list of steps. The state machine over a store that drives
// them is its own issue; this header fixes the names everyone shares.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace tunggal::workflow {

enum class SopStep : int {
  apply_online = 1,      // applicant applies and uploads documents
  verify_documents = 2,  // officer checks F1-02, family card, birth cert/diploma, age or marriage
  validate_population = 3,  // population database checked, NIK "ready to record"
  schedule_recording = 4,   // recording appointment sent
  capture_biometrics = 5,   // fingerprints and face captured at the office
  check_capture_quality = 6,
  send_to_consolidation = 7,
  deduplicate = 8,           // penunggalan: 1:N against everyone enrolled
  verify_print_request = 9,  // print-ready record (PRR)
  print_card = 10,
  pick_up = 11,
  done = 12,
};

inline constexpr int kSopStepCount = 12;

std::string_view to_string(SopStep step) noexcept;
// The step after `step` on the normal path, or nothing after `done`.
std::optional<SopStep> next_step(SopStep step) noexcept;

}  // namespace tunggal::workflow
