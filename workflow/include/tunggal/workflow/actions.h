// The office's state machine as one table: every action an application can
// undergo, the SOP step it belongs to (whose configured role acts), the
// states it starts from and may end in, whether an officer must hold the
// application, whether it is the normal way on (or a detour), whose time a
// state waiting on it spends, and who hears of it when it is overdue.
//
// Everything else derives from this table: the office's checks (a refused
// action names the states it needs), the next-step hints, the SLA's test of
// whose time a wait is, the escalation, the diagram (`tunggal office
// diagram`, docs/office_states.png), who may do what now, and the
// simulated day's choice of the next action. A test walks every edge of it
// through a real office; the office refuses, as a bug, any move that is
// not one of its edges.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tunggal/workflow/sop.h"

namespace tunggal::workflow {

enum class AppState {
  submitted,               // step 1 done: awaiting the document check
  documents_rejected,      // returned to the applicant with reasons (may resubmit)
  documents_checked,       // step 2 done
  biodata_mismatch,        // step 3 found the form and the population database apart (may resubmit)
  population_checked,      // step 3 done
  ready_to_record,         // step 4 done: NIK "ready to record"
  scheduled,               // step 5 done: an appointment
  confirmed,               // step 6 done
  no_show,                 // the appointment was missed: to be rescheduled
  recapture_needed,        // step 7's quality gate or enrolment failed: record again
  awaiting_consolidation,  // step 7 done: the capture waits in the outbox for deduplication
  deduplication_answered,  // consolidation answered; the identity section head checks it
  possible_duplicate,      // adjudication by the identity section head
  duplicate,               // decided a duplicate: stopped, linked to the existing NIK (final)
  cleared,                 // step 8 done: unique, or not a duplicate after adjudication
  print_ready,             // step 9 done: the print-ready record (PRR)
  printed,                 // step 10 done
  issued,                  // step 11 done: handed over
  done,                    // step 12: closed
};
inline constexpr int kAppStateCount = 19;
std::string_view to_string(AppState s) noexcept;
std::optional<AppState> state_from_string(std::string_view name) noexcept;

enum class Action {
  apply,                 // 1: the applicant's form and documents
  resubmit,              // 1 again, after a rejection or a mismatch
  check_documents,       // 2
  check_population,      // 3
  validate_data,         // 4
  send_schedule,         // 5 (a second time: reschedule)
  confirm_schedule,      // 6
  mark_no_show,          // 5's detour: the applicant did not come
  record_biometrics,     // 7
  consolidation_answer,  // 8: the outbox's answer arrives (the office's own job)
  check_deduplication,   // 8
  adjudicate,            // 8: a possible duplicate decided
  verify_print_request,  // 9
  print_card,            // 10
  report_spoiled,        // 10's detour: a printed card was spoiled
  hand_over,             // 11
  close,                 // 12
};
inline constexpr int kActionCount = 17;
std::string_view to_string(Action a) noexcept;  // as audited: "check_documents", ...
std::optional<Action> action_from_string(std::string_view name) noexcept;

// A set of states, as bits.
class StateSet {
 public:
  constexpr StateSet() = default;
  constexpr StateSet(std::initializer_list<AppState> states) {
    for (const AppState s : states) bits_ |= bit(s);
  }
  constexpr bool contains(AppState s) const { return (bits_ & bit(s)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  std::vector<AppState> states() const;

 private:
  static constexpr std::uint32_t bit(AppState s) { return std::uint32_t{1} << static_cast<int>(s); }
  std::uint32_t bits_ = 0;
};

// Whose time a state spends while it waits for a transition: the SLA
// counts only the office's.
enum class Waits {
  office,       // an officer's desk (or consolidation)
  applicant,    // the applicant (a resubmission, a confirmation)
  appointment,  // the appointment day
};

struct Transition {
  Action action;
  SopStep step;       // whose configured role acts (the store's step_roles; defaults below)
  Role role;          // the step's default role (sop.h's default_role derives from it)
  StateSet from;      // empty: the application does not exist yet (apply)
  StateSet to;        // where it may end, by the action's outcome
  bool hold;          // an officer must hold the application
  bool main;          // the normal way on from `from`; false: a detour (no-show, reschedule, spoiled card)
  bool system;        // done by the office's own jobs, never by a person
  Waits waits;        // whose time a state in `from` spends waiting for it
  Role escalate_to;   // who hears of an overdue application waiting for it
  std::string_view label;  // the diagram's edge label
};

// The table. Rows of one action share its step, role and hold; an action
// may have several rows where what it means differs by the state it starts
// from (a first schedule and a reschedule; a first recording, which waits
// for the appointment day, and a recapture, which does not).
inline constexpr Transition kTransitions[] = {
    // clang-format off
    {Action::apply, SopStep::apply_online, Role::applicant,
     {}, {AppState::submitted}, false, true, false, Waits::applicant, Role::head_population, "1 apply (applicant)"},
    {Action::resubmit, SopStep::apply_online, Role::applicant,
     {AppState::documents_rejected, AppState::biodata_mismatch}, {AppState::submitted},
     false, true, false, Waits::applicant, Role::head_population, "1 resubmit (applicant)"},
    {Action::check_documents, SopStep::check_documents, Role::service_officer,
     {AppState::submitted}, {AppState::documents_checked, AppState::documents_rejected},
     true, true, false, Waits::office, Role::head_population, "2 check_documents"},
    {Action::check_population, SopStep::check_population, Role::service_officer,
     {AppState::documents_checked}, {AppState::population_checked, AppState::biodata_mismatch},
     true, true, false, Waits::office, Role::head_population, "3 check_population"},
    {Action::validate_data, SopStep::validate_data, Role::head_population,
     {AppState::population_checked}, {AppState::ready_to_record},
     true, true, false, Waits::office, Role::head_population, "4 validate_data"},
    {Action::send_schedule, SopStep::send_schedule, Role::service_officer,
     {AppState::ready_to_record, AppState::no_show}, {AppState::scheduled},
     true, true, false, Waits::office, Role::head_population, "5 send_schedule"},
    {Action::send_schedule, SopStep::send_schedule, Role::service_officer,
     {AppState::scheduled}, {AppState::scheduled},
     true, false, false, Waits::office, Role::head_population, "5 reschedule"},
    {Action::confirm_schedule, SopStep::confirm_schedule, Role::applicant,
     {AppState::scheduled}, {AppState::confirmed},
     false, true, false, Waits::applicant, Role::head_population, "6 confirm_schedule (applicant)"},
    {Action::mark_no_show, SopStep::send_schedule, Role::service_officer,
     {AppState::scheduled, AppState::confirmed}, {AppState::no_show},
     true, false, false, Waits::office, Role::head_population, "5 mark_no_show"},
    {Action::record_biometrics, SopStep::record_biometrics, Role::recording_officer,
     {AppState::confirmed}, {AppState::awaiting_consolidation, AppState::recapture_needed},
     true, true, false, Waits::appointment, Role::head_identity, "7 record_biometrics"},
    {Action::record_biometrics, SopStep::record_biometrics, Role::recording_officer,
     {AppState::recapture_needed}, {AppState::awaiting_consolidation, AppState::recapture_needed},
     true, true, false, Waits::office, Role::head_identity, "7 record again"},
    {Action::consolidation_answer, SopStep::check_deduplication, Role::head_identity,
     {AppState::awaiting_consolidation}, {AppState::deduplication_answered},
     false, true, true, Waits::office, Role::head_identity, "outbox -> consolidation"},
    {Action::check_deduplication, SopStep::check_deduplication, Role::head_identity,
     {AppState::deduplication_answered}, {AppState::cleared, AppState::possible_duplicate},
     true, true, false, Waits::office, Role::head_identity, "8 check_deduplication"},
    {Action::adjudicate, SopStep::check_deduplication, Role::head_identity,
     {AppState::possible_duplicate}, {AppState::duplicate, AppState::cleared},
     true, true, false, Waits::office, Role::head_identity, "8 adjudicate"},
    {Action::verify_print_request, SopStep::verify_print_request, Role::head_identity,
     {AppState::cleared}, {AppState::print_ready},
     true, true, false, Waits::office, Role::head_identity, "9 verify_print_request (PRR)"},
    {Action::print_card, SopStep::print_card, Role::printing_officer,
     {AppState::print_ready}, {AppState::printed, AppState::print_ready},
     true, true, false, Waits::office, Role::head_identity, "10 print_card"},
    {Action::report_spoiled, SopStep::print_card, Role::printing_officer,
     {AppState::printed}, {AppState::print_ready},
     true, false, false, Waits::office, Role::head_identity, "10 report_spoiled: reprint"},
    {Action::hand_over, SopStep::hand_over, Role::printing_officer,
     {AppState::printed}, {AppState::issued},
     true, true, false, Waits::office, Role::head_identity, "11 hand_over (finger verified)"},
    {Action::close, SopStep::done, Role::printing_officer,
     {AppState::issued}, {AppState::done},
     true, true, false, Waits::office, Role::head_identity, "12 close"},
    // clang-format on
};

std::span<const Transition> transitions() noexcept;
// The rows of `action` (at least one).
std::vector<const Transition*> rows_of(Action action);
// The row of `action` that starts from `from`; nullptr when it may not.
const Transition* transition_from(Action action, AppState from) noexcept;
// Whether `action` may take an application from `from` to `to`.
bool is_edge(Action action, AppState from, AppState to) noexcept;
// The normal way on from `s` (the first main row starting there); nullptr
// for a final state.
const Transition* main_transition(AppState s) noexcept;
// The step to do next from `s` (nothing for a final state).
std::optional<SopStep> next_step(AppState s) noexcept;
// No action leaves it (duplicate, done).
bool is_final(AppState s) noexcept;
// The actions that may start from `s`, in table order (each once).
std::vector<Action> actions_from(AppState s);
// The table as Graphviz (dot): one edge per (row, from, to).
std::string state_diagram();

}  // namespace tunggal::workflow
