// Steps 11-12: the card handed over (the applicant's finger verified),
// the file closed, and notes on it.
#include "office_impl.h"

namespace tunggal::workflow {

// ---- steps 11-12 ------------------------------------------------------------------

ApplicationView Office::hand_over(const Actor& a, const std::string& id, const PersonRecord& finger) {
  // The applicant's finger against the enrolled record: the card goes to
  // the person it was made for.
  const auto v = impl_->session().verify(finger, id, impl_->config.pickup_fmr);
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::hand_over);
    if (!v.match) {
      app.data["reasons"] =
          Json::array({"the finger at pickup does not match the enrolled applicant (score " +
                       std::to_string(static_cast<int>(v.score)) + "): the card is not handed over"});
      impl_->save(app);
      impl_->audit(a, id, "hand_over_refused", to_string(app.state), to_string(app.state), {{"score", v.score}});
      return impl_->view(app);
    }
    app.data.erase("reasons");
    impl_->step_done(app, SopStep::hand_over);
    impl_->move(a, app, Action::hand_over, AppState::issued, {{"serial", app.data.value("serial", "")}});
    return impl_->view(app);
  });
}

ApplicationView Office::close(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::close);
    impl_->move(a, app, Action::close, AppState::done);
    return impl_->view(app);
  });
}

void Office::add_note(const Actor& a, const std::string& id, const std::string& text) {
  if (a.role() == Role::applicant) deny("note: officers write notes on a file");
  if (const auto p = text_problem(text, 1, 2000); !p.empty()) refuse("note: the text " + p);
  impl_->tx([&] {
    auto app = impl_->must_load(id);
    impl_->db.prepare("INSERT INTO notes(application, at, actor, text) VALUES(?,?,?,?)")
        .bind(1, id)
        .bind(2, impl_->now())
        .bind(3, a.id())
        .bind(4, text)
        .run();
    // The audit says that a note was made, not what it says.
    impl_->audit(a, id, "note", to_string(app.state), to_string(app.state), {{"length", text.size()}});
  });
}

}  // namespace tunggal::workflow
