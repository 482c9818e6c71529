// One request type per action, for callers that are not C++ (the web
// pages, a console, a script): each names the application it acts on and
// the version of it the caller saw, so that a form shown before someone
// else acted is refused (ErrorCode::conflict) instead of acting on a file
// that changed. `parse_command` reads one from JSON and checks every field
// before anything is fetched or changed, naming the field that is wrong;
// `Office::execute` runs it: the hold (taken, and given back when the
// action is refused), the version, then the action itself.
//
// JSON: {"action": "<Action name, as actions.h writes it, or take /
// release / add_note>", "application": "A000001", "expected_version": 3,
// ...the action's fields}. Unknown fields are refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "tunggal/workflow/office.h"

namespace tunggal::workflow {

// What every command on an existing application carries.
struct Target {
  std::string application;         // "A" and six digits
  std::int64_t expected_version = 0;  // ApplicationView::version as the caller saw it
};

namespace command {
struct Apply {
  ApplyRequest request;
};
struct Resubmit {
  Target target;
  ApplyRequest request;
};
struct Take {
  Target target;
};
struct Release {
  Target target;
};
struct AddNote {
  Target target;
  std::string text;  // 1-2000 bytes
};
// The steps with nothing but their target.
struct Step {
  Action action;  // check_documents, check_population, validate_data, confirm_schedule, mark_no_show,
                  // check_deduplication, verify_print_request, close
  Target target;
};
struct SendSchedule {
  Target target;
  std::string day;  // YYYY-MM-DD to start looking from ("" = the next working day)
};
struct RecordBiometrics {
  Target target;
  std::string station;
  PersonRecord capture;  // the SDK's capture (native person record)
  ColorImage photo;      // the photo for the card
  FingerImages images;   // the finger images the capture came from (kept for adjudication)
};
struct Adjudicate {
  Target target;
  AdjudicationDecision decision;
};
struct PrintCard {
  Target target;
  std::string printer;
};
struct ReportSpoiled {
  Target target;
  std::string reason;  // 1-500 bytes
};
struct HandOver {
  Target target;
  PersonRecord finger;  // the applicant's finger(s) at the counter
};
}  // namespace command

namespace command {
using Body = std::variant<Apply, Resubmit, Take, Release, AddNote, Step, SendSchedule, RecordBiometrics, Adjudicate,
                          PrintCard, ReportSpoiled, HandOver>;
}
struct Command {
  command::Body body;
};

// What a command did: the application's view after it, and for printing
// what the printer did.
struct Outcome {
  std::string application;
  ApplicationView view;
  std::optional<PrintAttempt> print;
};

// Reads a command; Error(invalid_argument) naming the field for anything
// wrong (malformed JSON, an unknown action or field, a field of the wrong
// type, length or form; binary fields are base64: "capture" a native
// person record, "photo" a PNG or JPEG, documents' "content" PDF/PNG/JPEG).
Command parse_command(std::string_view json);

// The action a command performs (for messages, metrics, the access log).
std::string_view action_name(const Command& c);

}  // namespace tunggal::workflow
