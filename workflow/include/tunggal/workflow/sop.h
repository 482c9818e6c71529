// The civil-registry procedure for a new KTP-el ("Penerbitan KTP-el Baru
// Untuk WNI Melalui Website Sobat Dukcapil"): its twelve steps, who acts in
// each by default, and each step's time limit. The office's configuration
// may give a step to another role (workflow/office.h).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tunggal::workflow {

enum class SopStep : int {
  apply_online = 1,         // applicant fills in data and uploads documents
  check_documents = 2,      // service officer: F1-02, family card, birth certificate or diploma, age 17+ or married
  check_population = 3,     // service officer: the population database
  validate_data = 4,        // section head, population data: NIK "ready to record"
  send_schedule = 5,        // service officer: the recording appointment
  confirm_schedule = 6,     // applicant confirms the appointment
  record_biometrics = 7,    // recording officer: fingerprints and face at the office
  check_deduplication = 8,  // section head, identity: penunggalan through consolidation
  verify_print_request = 9, // section head, identity: the print-ready record (PRR)
  print_card = 10,          // card printing officer
  hand_over = 11,           // card printing officer and applicant: the card issued
  done = 12,
};

inline constexpr int kSopStepCount = 12;

// The roles of the office (their default steps in default_role).
enum class Role : int {
  applicant = 1,           // pemohon
  service_officer = 2,     // petugas pelayanan
  head_population = 3,     // kasi pendataan penduduk
  recording_officer = 4,   // petugas rekam
  head_identity = 5,       // kasi identitas penduduk
  printing_officer = 6,    // petugas cetak
  administrator = 7,       // configures officers, stations, stock; acts in no step
};

std::string_view to_string(SopStep step) noexcept;
std::string_view to_string(Role role) noexcept;
// Role from its name as to_string writes it; nullopt for an unknown name.
std::optional<Role> role_from_string(std::string_view name) noexcept;
std::optional<SopStep> step_from_number(int n) noexcept;

// The step after `step` on the normal path, or nothing after `done`.
std::optional<SopStep> next_step(SopStep step) noexcept;

// The procedure's defaults: who acts, and the step's time limit in minutes
// (step 12's limit is the whole procedure's: one working day, 8 hours).
Role default_role(SopStep step) noexcept;
int sla_minutes(SopStep step) noexcept;
inline constexpr int kWorkingDayMinutes = 8 * 60;

}  // namespace tunggal::workflow
