#include "tunggal/workflow/sop.h"

#include "tunggal/workflow/actions.h"

namespace tunggal::workflow {

std::string_view to_string(SopStep step) noexcept {
  switch (step) {
    case SopStep::apply_online: return "apply online";
    case SopStep::check_documents: return "check documents";
    case SopStep::check_population: return "check population database";
    case SopStep::validate_data: return "validate data";
    case SopStep::send_schedule: return "send recording schedule";
    case SopStep::confirm_schedule: return "confirm schedule";
    case SopStep::record_biometrics: return "record biometrics";
    case SopStep::check_deduplication: return "check deduplication";
    case SopStep::verify_print_request: return "verify print request";
    case SopStep::print_card: return "print card";
    case SopStep::hand_over: return "hand over card";
    case SopStep::done: return "done";
  }
  return "invalid";
}

std::string_view to_string(Role role) noexcept {
  switch (role) {
    case Role::applicant: return "applicant";
    case Role::service_officer: return "service_officer";
    case Role::head_population: return "head_population";
    case Role::recording_officer: return "recording_officer";
    case Role::head_identity: return "head_identity";
    case Role::printing_officer: return "printing_officer";
    case Role::administrator: return "administrator";
  }
  return "invalid";
}

std::optional<Role> role_from_string(std::string_view name) noexcept {
  for (int r = 1; r <= 7; ++r)
    if (to_string(static_cast<Role>(r)) == name) return static_cast<Role>(r);
  return std::nullopt;
}

std::optional<SopStep> step_from_number(int n) noexcept {
  if (n < 1 || n > kSopStepCount) return std::nullopt;
  return static_cast<SopStep>(n);
}

std::optional<SopStep> next_step(SopStep step) noexcept {
  const int i = static_cast<int>(step);
  if (i < 1 || i >= kSopStepCount) return std::nullopt;
  return static_cast<SopStep>(i + 1);
}

Role default_role(SopStep step) noexcept {
  // The transition table's role for the step (actions.h); done by the
  // office's own jobs only: the step's people still come from the table.
  for (const auto& t : kTransitions)
    if (t.step == step && !t.system) return t.role;
  return Role::administrator;
}

int sla_minutes(SopStep step) noexcept {
  switch (step) {
    case SopStep::apply_online:
    case SopStep::check_documents:
    case SopStep::check_population:
    case SopStep::send_schedule:
    case SopStep::confirm_schedule: return 5;
    case SopStep::validate_data:
    case SopStep::check_deduplication:
    case SopStep::verify_print_request:
    case SopStep::print_card:
    case SopStep::hand_over: return 10;
    case SopStep::record_biometrics: return 15;
    case SopStep::done: return kWorkingDayMinutes;
  }
  return 0;
}

}  // namespace tunggal::workflow
