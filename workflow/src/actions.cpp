#include "tunggal/workflow/actions.h"

#include <algorithm>
#include <utility>

namespace tunggal::workflow {

namespace {

constexpr std::pair<AppState, std::string_view> kStateNames[] = {
    {AppState::submitted, "submitted"},
    {AppState::documents_rejected, "documents_rejected"},
    {AppState::documents_checked, "documents_checked"},
    {AppState::biodata_mismatch, "biodata_mismatch"},
    {AppState::population_checked, "population_checked"},
    {AppState::ready_to_record, "ready_to_record"},
    {AppState::scheduled, "scheduled"},
    {AppState::confirmed, "confirmed"},
    {AppState::no_show, "no_show"},
    {AppState::recapture_needed, "recapture_needed"},
    {AppState::awaiting_consolidation, "awaiting_consolidation"},
    {AppState::deduplication_answered, "deduplication_answered"},
    {AppState::possible_duplicate, "possible_duplicate"},
    {AppState::duplicate, "duplicate"},
    {AppState::cleared, "cleared"},
    {AppState::print_ready, "print_ready"},
    {AppState::printed, "printed"},
    {AppState::issued, "issued"},
    {AppState::done, "done"},
};
static_assert(std::size(kStateNames) == kAppStateCount);

constexpr std::pair<Action, std::string_view> kActionNames[] = {
    {Action::apply, "apply"},
    {Action::resubmit, "resubmit"},
    {Action::check_documents, "check_documents"},
    {Action::check_population, "check_population"},
    {Action::validate_data, "validate_data"},
    {Action::send_schedule, "send_schedule"},
    {Action::confirm_schedule, "confirm_schedule"},
    {Action::mark_no_show, "mark_no_show"},
    {Action::record_biometrics, "record_biometrics"},
    {Action::consolidation_answer, "consolidation_answer"},
    {Action::check_deduplication, "check_deduplication"},
    {Action::adjudicate, "adjudicate"},
    {Action::verify_print_request, "verify_print_request"},
    {Action::print_card, "print_card"},
    {Action::report_spoiled, "report_spoiled"},
    {Action::hand_over, "hand_over"},
    {Action::close, "close"},
};
static_assert(std::size(kActionNames) == kActionCount);

// The table's own consistency, checked when it is compiled: rows of one
// action agree on step, role and hold; every action has a row.
constexpr bool rows_agree() {
  for (const auto& a : kTransitions)
    for (const auto& b : kTransitions)
      if (a.action == b.action && (a.step != b.step || a.role != b.role || a.hold != b.hold || a.system != b.system))
        return false;
  return true;
}
static_assert(rows_agree(), "rows of one action must share step, role, hold and system");
constexpr bool every_action_has_a_row() {
  for (int i = 0; i < kActionCount; ++i) {
    bool found = false;
    for (const auto& t : kTransitions) found = found || static_cast<int>(t.action) == i;
    if (!found) return false;
  }
  return true;
}
static_assert(every_action_has_a_row());
// A row of each action per start state at most, so that what an action
// means from a state is one row.
constexpr bool one_row_per_start() {
  for (std::size_t i = 0; i < std::size(kTransitions); ++i)
    for (std::size_t j = i + 1; j < std::size(kTransitions); ++j)
      if (kTransitions[i].action == kTransitions[j].action)
        for (int s = 0; s < kAppStateCount; ++s)
          if (kTransitions[i].from.contains(static_cast<AppState>(s)) &&
              kTransitions[j].from.contains(static_cast<AppState>(s)))
            return false;
  return true;
}
static_assert(one_row_per_start());

}  // namespace

std::string_view to_string(AppState s) noexcept {
  for (const auto& [v, n] : kStateNames)
    if (v == s) return n;
  return "invalid";
}
std::optional<AppState> state_from_string(std::string_view name) noexcept {
  for (const auto& [v, n] : kStateNames)
    if (name == n) return v;
  return std::nullopt;
}
std::string_view to_string(Action a) noexcept {
  for (const auto& [v, n] : kActionNames)
    if (v == a) return n;
  return "invalid";
}
std::optional<Action> action_from_string(std::string_view name) noexcept {
  for (const auto& [v, n] : kActionNames)
    if (name == n) return v;
  return std::nullopt;
}

std::vector<AppState> StateSet::states() const {
  std::vector<AppState> out;
  for (int s = 0; s < kAppStateCount; ++s)
    if (contains(static_cast<AppState>(s))) out.push_back(static_cast<AppState>(s));
  return out;
}

std::span<const Transition> transitions() noexcept { return kTransitions; }

std::vector<const Transition*> rows_of(Action action) {
  std::vector<const Transition*> out;
  for (const auto& t : kTransitions)
    if (t.action == action) out.push_back(&t);
  return out;
}

const Transition* transition_from(Action action, AppState from) noexcept {
  for (const auto& t : kTransitions)
    if (t.action == action && t.from.contains(from)) return &t;
  return nullptr;
}

bool is_edge(Action action, AppState from, AppState to) noexcept {
  const auto* t = transition_from(action, from);
  return t && t->to.contains(to);
}

const Transition* main_transition(AppState s) noexcept {
  for (const auto& t : kTransitions)
    if (t.main && t.from.contains(s)) return &t;
  return nullptr;
}

std::optional<SopStep> next_step(AppState s) noexcept {
  const auto* t = main_transition(s);
  if (!t) return std::nullopt;
  return t->step;
}

bool is_final(AppState s) noexcept {
  return std::none_of(std::begin(kTransitions), std::end(kTransitions), [&](const Transition& t) { return t.from.contains(s); });
}

std::vector<Action> actions_from(AppState s) {
  std::vector<Action> out;
  for (const auto& t : kTransitions)
    if (t.from.contains(s) && std::find(out.begin(), out.end(), t.action) == out.end()) out.push_back(t.action);
  return out;
}

std::string state_diagram() {
  std::string out =
      "digraph sop {\n  rankdir=TB; node [shape=box, style=rounded, fontname=\"Liberation Sans\"];\n"
      "  edge [fontname=\"Liberation Sans\", fontsize=9];\n  start [shape=point];\n";
  for (int s = 0; s < kAppStateCount; ++s) {
    const auto st = static_cast<AppState>(s);
    if (!is_final(st)) continue;
    out += "  " + std::string(to_string(st)) + " [style=\"rounded,filled\", fillcolor=\"" +
           (st == AppState::done ? "#d9ead3" : "#f4cccc") + "\"];\n";
  }
  for (const auto& t : kTransitions) {
    std::vector<std::string> froms;
    if (t.from.empty()) froms.emplace_back("start");
    for (const auto s : t.from.states()) froms.emplace_back(to_string(s));
    for (const auto& f : froms)
      for (const auto to : t.to.states())
        out += "  " + f + " -> " + std::string(to_string(to)) + " [label=\"" + std::string(t.label) + "\"" +
               (t.main ? "" : ", style=dashed") + "];\n";
  }
  return out + "}\n";
}

}  // namespace tunggal::workflow
