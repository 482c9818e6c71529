// The SLA: every step's time against its limit, and overdue files
// escalated to the section head the transition table names.
#include "office_impl.h"

namespace tunggal::workflow {

SlaReport Office::sla_report() const {
  std::lock_guard lock(impl_->mu);
  SlaReport r;
  std::map<int, std::vector<double>> minutes;
  {
    auto s = impl_->db.prepare("SELECT step, started, finished FROM step_times");
    while (s.step()) minutes[static_cast<int>(s.integer(0))].push_back(static_cast<double>(s.integer(2) - s.integer(1)) / 60.0);
  }
  {
    // Step 12: the whole procedure, from submission to hand-over.
    auto s = impl_->db.prepare(
        "SELECT a.application, min(a.started), max(b.finished) FROM step_times a JOIN step_times b "
        "ON a.application = b.application WHERE a.step = 1 AND b.step = 11 GROUP BY a.application");
    while (s.step()) minutes[12].push_back(static_cast<double>(s.integer(2) - s.integer(1)) / 60.0);
  }
  const auto pct = [](std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const double at = p * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(at));
    const auto hi = std::min(v.size() - 1, lo + 1);
    return v[lo] + (v[hi] - v[lo]) * (at - static_cast<double>(lo));
  };
  for (int step = 1; step <= kSopStepCount; ++step) {
    StepStats st;
    st.step = static_cast<SopStep>(step);
    const auto& v = minutes[step];
    st.count = v.size();
    st.p50_minutes = pct(v, 0.5);
    st.p95_minutes = pct(v, 0.95);
    st.max_minutes = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    st.limit_minutes = sla_minutes(st.step);
    st.over_limit = static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [&](double m) { return m > st.limit_minutes; }));
    r.steps.push_back(st);
  }
  // Open applications past a limit now: the next step's, counted from the
  // last step's end; or the whole day's, counted from submission.
  auto s = impl_->db.prepare("SELECT id FROM applications ORDER BY id");
  std::vector<std::string> ids;
  while (s.step()) ids.push_back(s.text(0));
  for (const auto& id : ids) {
    const auto app = impl_->must_load(id);
    if (is_final(app.state) || app.state == AppState::issued) continue;  // issued: the card is out
    const Transition* next = main_transition(app.state);
    if (!next) continue;
    const double waited = static_cast<double>(impl_->now() - app.data.value("last_step_end", app.created_at)) / 60.0;
    const double total = static_cast<double>(impl_->now() - app.created_at) / 60.0;
    // Waiting for the applicant (a resubmission, a confirmation, the
    // appointment day) is not the office's time: the table says whose it is.
    const bool office_step = next->waits == Waits::office && impl_->role_of(next->step) != Role::applicant;
    if ((office_step && waited > sla_minutes(next->step)) || total > kWorkingDayMinutes) r.overdue.push_back(id);
  }
  return r;
}

std::vector<std::string> Office::escalate_overdue() {
  const auto report = sla_report();
  for (const auto& id : report.overdue) {
    impl_->tx([&] {
      auto app = impl_->must_load(id);
      app.data["escalated"] = app.data.value("escalated", 0) + 1;
      impl_->save(app);
      const Transition* next = main_transition(app.state);
      const Role head = next ? next->escalate_to : Role::head_identity;
      impl_->audit(system(), id, "escalate", to_string(app.state), to_string(app.state),
                   {{"to", to_string(head)}, {"step", next ? static_cast<int>(next->step) : 0}});
    });
  }
  return report.overdue;
}

}  // namespace tunggal::workflow
