#include "tunggal/workflow/sop.h"

namespace tunggal::workflow {

std::string_view to_string(SopStep step) noexcept {
  switch (step) {
    case SopStep::apply_online: return "apply online";
    case SopStep::verify_documents: return "verify documents";
    case SopStep::validate_population: return "validate population record";
    case SopStep::schedule_recording: return "schedule recording";
    case SopStep::capture_biometrics: return "capture biometrics";
    case SopStep::check_capture_quality: return "check capture quality";
    case SopStep::send_to_consolidation: return "send to consolidation";
    case SopStep::deduplicate: return "deduplicate";
    case SopStep::verify_print_request: return "verify print request";
    case SopStep::print_card: return "print card";
    case SopStep::pick_up: return "pick up";
    case SopStep::done: return "done";
  }
  return "invalid";
}

std::optional<SopStep> next_step(SopStep step) noexcept {
  const int i = static_cast<int>(step);
  if (i < 1 || i >= kSopStepCount) return std::nullopt;
  return static_cast<SopStep>(i + 1);
}

}  // namespace tunggal::workflow
