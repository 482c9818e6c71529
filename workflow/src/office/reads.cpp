// Looking: applications (checked, and logged in the access log), stock,
// stations, the outbox.
#include "office_impl.h"

namespace tunggal::workflow {

// ---- looking --------------------------------------------------------------------------

ApplicationView Office::application(const Actor& who, const std::string& id) const {
  return impl_->tx([&] {
    const auto app = impl_->must_load(id);
    impl_->may_read(who, app, "application");
    impl_->accessed(who, id, "application");
    return impl_->view(app);
  });
}

std::vector<ApplicationView> Office::applications(const Actor& who, std::optional<AppState> state) const {
  return impl_->tx([&] {
    std::vector<std::string> ids;
    auto s = state ? impl_->db.prepare("SELECT id FROM applications WHERE state=? ORDER BY id")
                   : impl_->db.prepare("SELECT id FROM applications ORDER BY id");
    if (state) s.bind(1, to_string(*state));
    while (s.step()) ids.push_back(s.text(0));
    std::vector<ApplicationView> out;
    for (const auto& id : ids) {
      const auto app = impl_->must_load(id);
      // An applicant's list is their own applications; an officer's, all.
      if (who.role() == Role::applicant && app.nik != who.id().substr(std::string("applicant:").size())) continue;
      out.push_back(impl_->view(app));
    }
    if (!out.empty()) impl_->accessed(who, "", "list of " + std::to_string(out.size()));
    return out;
  });
}

std::map<std::string, int> Office::blanks_left() const {
  std::lock_guard lock(impl_->mu);
  std::map<std::string, int> out;
  auto s = impl_->db.prepare("SELECT printer, count(*) FROM stock WHERE state='blank' GROUP BY printer");
  while (s.step()) out[s.text(0)] = static_cast<int>(s.integer(1));
  return out;
}

std::vector<Station> Office::stations() const {
  std::lock_guard lock(impl_->mu);
  return impl_->all_stations();
}

std::size_t Office::outbox_pending() const {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->db.prepare("SELECT count(*) FROM outbox WHERE state='pending'");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

}  // namespace tunggal::workflow
