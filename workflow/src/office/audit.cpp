// The register book (a hash chain of every transition), its checks, and
// the access log of who read which file.
#include "office_impl.h"

namespace tunggal::workflow {

void Office::Impl::audit(const Actor& a, const std::string& app, std::string_view action, std::string_view before,
           std::string_view after, const Json& details) {
  std::string prev = "0";
  std::int64_t seq = 1;
  {
    auto s = db.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (s.step()) {
      seq = s.integer(0) + 1;
      prev = s.text(1);
    }
  }
  AuditEntry e;
  e.seq = seq;
  e.at = now();
  e.actor = a.id();
  e.role = std::string(to_string(a.role()));
  e.application = app;
  e.action = std::string(action);
  e.before = std::string(before);
  e.after = std::string(after);
  e.details = details.dump();
  e.hash = link_hash(e, prev);
  db.prepare("INSERT INTO audit(seq, at, actor, role, application, action, before, after, details, prev, hash) "
             "VALUES(?,?,?,?,?,?,?,?,?,?,?)")
      .bind(1, e.seq)
      .bind(2, e.at)
      .bind(3, e.actor)
      .bind(4, e.role)
      .bind(5, e.application)
      .bind(6, e.action)
      .bind(7, e.before)
      .bind(8, e.after)
      .bind(9, e.details)
      .bind(10, prev)
      .bind(11, e.hash)
      .run();
}

namespace {
AuditEntry entry_from(sql::Stmt& s) {
  AuditEntry e;
  e.seq = s.integer(0);
  e.at = s.integer(1);
  e.actor = s.text(2);
  e.role = s.text(3);
  e.application = s.text(4);
  e.action = s.text(5);
  e.before = s.text(6);
  e.after = s.text(7);
  e.details = s.text(8);
  e.hash = s.text(10);
  return e;
}
}  // namespace

std::vector<AuditEntry> Office::history(const Actor& who, const std::string& id) const {
  return impl_->tx([&] {
  impl_->may_read(who, impl_->must_load(id), "history");
  impl_->accessed(who, id, "history");
  auto s = impl_->db.prepare(
      "SELECT seq, at, actor, role, application, action, before, after, details, prev, hash FROM audit "
      "WHERE application=? ORDER BY seq");
  s.bind(1, id);
  std::vector<AuditEntry> out;
  while (s.step()) out.push_back(entry_from(s));
  return out;
  });
}

std::vector<AccessEntry> Office::access_log(const Actor& admin, const std::string& id) const {
  impl_->require_admin(admin);
  std::lock_guard lock(impl_->mu);
  auto s = impl_->db.prepare("SELECT at, actor, role, application, what FROM access_log WHERE application=? ORDER BY rowid");
  s.bind(1, id);
  std::vector<AccessEntry> out;
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4)});
  return out;
}

AuditCheck Office::verify_audit(const std::optional<AuditAnchor>& anchor) const {
  std::lock_guard lock(impl_->mu);
  AuditCheck c;
  const auto broken = [&](std::int64_t seq, const std::string& problem) {
    c.intact = false;
    c.first_broken = seq;
    c.problem = problem;
    return c;
  };
  std::map<std::string, std::string> last_state;  // application -> the state its last transition left
  std::string anchored_hash;
  {
    auto s = impl_->db.prepare(
        "SELECT seq, at, actor, role, application, action, before, after, details, prev, hash FROM audit ORDER BY seq");
    std::string prev = "0";
    std::int64_t expect = 1;
    while (s.step()) {
      const AuditEntry e = entry_from(s);
      ++c.entries;
      std::string problem;
      if (e.seq != expect) problem = "sequence " + std::to_string(e.seq) + " where " + std::to_string(expect) + " was expected (entries missing)";
      else if (s.text(9) != prev) problem = "its link to the entry before it is broken";
      else if (impl_->link_hash(e, prev) != e.hash)
        problem = "its content does not match its hash (changed after it was written)";
      if (!problem.empty()) return broken(e.seq, "audit entry " + std::to_string(e.seq) + ": " + problem);
      if (!e.application.empty() && !e.after.empty()) last_state[e.application] = e.after;
      if (anchor && e.seq == anchor->entries) anchored_hash = e.hash;
      prev = e.hash;
      ++expect;
    }
    c.head = prev == "0" ? "" : prev;
  }
  if (anchor) {
    if (c.entries < anchor->entries)
      return broken(c.entries + 1, "the chain ends at entry " + std::to_string(c.entries) + " but " +
                                       std::to_string(anchor->entries) + " were published: its tail was cut");
    if (anchored_hash != anchor->head)
      return broken(anchor->entries, "audit entry " + std::to_string(anchor->entries) +
                                         " is not the one published (its hash differs): the chain was rewritten");
  }
  auto s = impl_->db.prepare("SELECT id, state FROM applications ORDER BY id");
  while (s.step()) {
    const std::string id = s.text(0), state = s.text(1);
    const auto it = last_state.find(id);
    const std::string audited = it == last_state.end() ? "(no audited transition)" : it->second;
    if (audited != state)
      return broken(0, "application " + id + " is " + state + " in the store, but its last audited transition left it " +
                           audited + ": changed outside the office");
  }
  return c;
}

}  // namespace tunggal::workflow
