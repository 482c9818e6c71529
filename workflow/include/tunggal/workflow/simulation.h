// The simulated office day behind `tunggal office simulate` (and the main
// job): generated residents, an enrolled gallery, N applicants of whom a
// share are planted duplicates, going through every SOP step on the real
// office store and SDK, with the incidents the SOP names. Who acts next
// follows the transition table (actions.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

#include "tunggal/workflow/actions.h"

namespace tunggal::workflow {

struct SimulationParams {
  std::size_t applicants = 40;
  double duplicates = 0.1;        // share of applicants already enrolled under another NIK
  std::uint64_t seed = 1;
  std::filesystem::path out;
  std::size_t enrolled = 0;       // people enrolled before the day (0: 2 x applicants)
  int fingers = 10;               // fingers captured per applicant (through the virtual reader)
  double rejected_files = 0.08;   // applicants who forget a document (they come back with it)
  double typos = 0.05;            // applicants who mistype their name (biodata mismatch, then fixed)
  double no_shows = 0.05;         // applicants who miss their appointment (rescheduled to another day)
  double minors = 0.03;           // applicants under 17 and unmarried (refused)
  std::string printer_queue;      // a CUPS queue to print on ("": cards as PDFs only)
  std::filesystem::path photos;   // a folder of face photos (e.g. the shared AT&T faces); "": drawn ones
  bool incidents = true;          // network outage, a broken recording device, blanks running out
  // The day told for people (each applicant's outcome, the SLA table, the
  // deduplication figures, the refusals); nullptr: not told.
  std::ostream* account = nullptr;
  // Called as each action the office acknowledged returns: the application
  // and the state it is in.
  std::function<void(const std::string& application, AppState state)> acknowledged;
  // Stop after this many office actions (0: run the day out): the crash
  // test kills and restarts the day; a restarted day carries on from what
  // the store holds.
  std::size_t max_actions = 0;
};

// Runs (or resumes) the day in `out`; writes out/report.json, out/sla.png,
// out/cards/*.pdf, out/credentials.json; returns the one-line summary.
std::string simulate_office_day(const SimulationParams& params);

}  // namespace tunggal::workflow
