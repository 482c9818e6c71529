// Step 8: the outbox to consolidation (penunggalan), its answer, the
// adjudication sheet and the decision on a possible duplicate.
#include "office_impl.h"

namespace tunggal::workflow {

// ---- step 8: consolidation --------------------------------------------------------

std::size_t Office::process_outbox() {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->online) return 0;  // the requests wait, durably, for the network
  }
  std::vector<std::string> pending;
  {
    std::lock_guard lock(impl_->mu);
    auto s = impl_->db.prepare("SELECT application FROM outbox WHERE state='pending' ORDER BY created, application");
    while (s.step()) pending.push_back(s.text(0));
  }
  std::size_t answered = 0;
  auto& session = impl_->session();
  for (const auto& id : pending) {
    {
      std::lock_guard lock(impl_->mu);
      if (!impl_->online) break;
    }
    const PersonRecord record = decode_person_record(impl_->vault.get("captures", id + ".tgr", false));
    // Exactly once: a capture enrolled by an attempt that died before
    // recording its answer is in the gallery already, and was unique.
    DedupDecision d;
    if (session.contains(id)) {
      d.decision = Decision::unique;
    } else {
      IdentifyOptions o = session.identify_options();
      o.target_fpir = impl_->config.target_fpir;
      d = session.deduplicate(record, o);
    }
    impl_->tx([&] {
      auto app = impl_->must_load(id);
      if (app.state != AppState::awaiting_consolidation) return;  // answered already
      Json candidates = Json::array();
      for (const auto& c : d.candidates) {
        Json k = {{"ref", c.ref}, {"score", c.score}, {"fingers_compared", c.fingers_compared}};
        if (c.fingers) k["fingers"] = *c.fingers;
        if (c.face) k["face"] = *c.face;
        candidates.push_back(std::move(k));
      }
      app.data["dedup"] = std::string(to_string(d.decision));
      app.data["candidates"] = candidates;
      impl_->db.prepare("UPDATE outbox SET state='answered', attempts=attempts+1, answered=? WHERE application=?")
          .bind(1, impl_->now())
          .bind(2, id)
          .run();
      impl_->move(system(), app, Action::consolidation_answer, AppState::deduplication_answered,
                  {{"decision", to_string(d.decision)}, {"candidates", candidates.size()}});
    });
    ++answered;
  }
  return answered;
}

ApplicationView Office::check_deduplication(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::check_deduplication);
    const bool unique = app.data.value("dedup", "") == "unique";
    if (unique) impl_->step_done(app, SopStep::check_deduplication);
    app.holder.clear();
    app.hold_until = 0;
    impl_->move(a, app, Action::check_deduplication, unique ? AppState::cleared : AppState::possible_duplicate,
                {{"candidates", app.data.value("candidates", Json::array()).size()}});
    return impl_->view(app);
  });
}

AdjudicationSheet Office::adjudication_sheet(const Actor& a, const std::string& id, const std::filesystem::path& png) {
  ApplicationView v;
  Json kept;
  std::vector<std::pair<ApplicationView, Json>> local;  // candidates that are applications here
  {
    std::lock_guard lock(impl_->mu);
    const Role need = impl_->role_of(SopStep::check_deduplication);
    if (a.role() != need)
      refuse("adjudication sheet: step 8 (" + std::string(to_string(SopStep::check_deduplication)) + ") is for " +
             std::string(to_string(need)) + ", not " + std::string(to_string(a.role())));
    const auto app = impl_->must_load(id);
    v = impl_->view(app);
    kept = app.data.value("finger_images", Json::array());
    if (v.candidates.empty()) refuse("adjudication sheet: application " + id + " has no candidates from consolidation");
  }
  const auto& vault = impl_->vault;
  const auto gray = [&](const std::string& sub, const std::string& name) {
    return decode_gray_image(vault.get(sub, name, false));
  };
  // The capture's row; its positions are the sheet's columns.
  detail::SheetRow me;
  me.title = "capture " + id;
  me.lines = {v.name, "NIK " + v.nik, std::string(to_string(v.state))};
  std::vector<FingerPosition> positions;
  for (const auto& p : kept) {
    const auto pos = static_cast<FingerPosition>(p.get<int>());
    positions.push_back(pos);
    me.fingers[pos] = gray("captures", id + ".f" + std::to_string(p.get<int>()) + ".png");
  }
  {
    std::lock_guard lock(impl_->mu);
    me.photo = impl_->stored_photo(impl_->must_load(id));
  }
  if (positions.empty()) {
    me.missing = "images not kept";
    for (const auto& f : decode_person_record(vault.get("captures", id + ".tgr", false)).fingers) positions.push_back(f.position);
  }
  std::vector<detail::SheetRow> rows{std::move(me)};
  AdjudicationSheet out;
  out.png = png;
  const auto fmt = [](double x) {
    std::ostringstream o;
    o.setf(std::ios::fixed);
    o.precision(2);
    o << x;
    return o.str();
  };
  for (const auto& c : v.candidates) {
    if (out.candidates == 5) break;
    detail::SheetRow r;
    r.title = "candidate " + std::to_string(++out.candidates) + ": " + c.ref;
    r.lines.push_back("fused score " + fmt(c.score));
    if (c.fingers) r.lines.push_back("fingers " + fmt(*c.fingers) + " (" + std::to_string(c.fingers_compared) + " compared)");
    if (c.face) r.lines.push_back("face " + fmt(*c.face));
    std::optional<ApplicationView> here;
    {
      std::lock_guard lock(impl_->mu);
      if (const auto other = impl_->load(c.ref)) {
        here = impl_->view(*other);
        kept = other->data.value("finger_images", Json::array());
        r.photo = impl_->stored_photo(*other);
      }
    }
    bool held = false;
    if (here) {
      r.lines.push_back(here->name + ", NIK " + here->nik);
      for (const auto& p : kept) r.fingers[static_cast<FingerPosition>(p.get<int>())] =
          gray("captures", c.ref + ".f" + std::to_string(p.get<int>()) + ".png");
      held = !r.fingers.empty() || r.photo.has_value();
    } else if (vault.has("references", c.ref + ".json")) {
      const auto m = vault.get("references", c.ref + ".json", false);
      const Json manifest = Json::parse(m.begin(), m.end());
      if (const auto label = manifest.value("label", ""); !label.empty()) r.lines.push_back(label);
      for (const auto& p : manifest["fingers"]) r.fingers[static_cast<FingerPosition>(p.get<int>())] =
          gray("references", c.ref + ".f" + std::to_string(p.get<int>()) + ".png");
      if (manifest.value("photo", false)) {
        const auto bytes = vault.get("references", c.ref + ".photo.png", false);
        r.photo = decode_color_image(bytes);
      }
      held = true;
    }
    if (!held) r.missing = "not held here";
    out.candidates_with_images += held;
    rows.push_back(std::move(r));
  }
  detail::write_adjudication_sheet(rows, positions, png);
  // Who looked at whose biometrics (not what they saw).
  impl_->tx([&] {
    const auto app = impl_->must_load(id);
    impl_->audit(a, id, "adjudication_sheet", to_string(app.state), to_string(app.state),
                 {{"candidates", out.candidates}, {"with_images", out.candidates_with_images}});
  });
  return out;
}

ApplicationView Office::adjudicate(const Actor& a, const std::string& id, const AdjudicationDecision& decision) {
  const auto* dup = std::get_if<DuplicateOf>(&decision);
  const auto* clear = std::get_if<NotDuplicate>(&decision);
  if (dup) {
    if (const auto p = nik_problem(dup->nik); !p.empty()) refuse("adjudicate: the linked NIK " + dup->nik + ": " + p);
  } else {
    if (const auto p = text_problem(clear->reason, 1, 500); !p.empty()) refuse("adjudicate: the reason " + p);
  }
  // 1. The checks (role, state, hold) and the intent, before the gallery
  //    is touched: a refused call changes nothing anywhere.
  const bool was_enrolling = impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::adjudicate);
    const bool before = app.data.value("enrolling", false);
    if (clear && !before) {
      app.data["enrolling"] = true;
      impl_->save(app);
      detail::ExpectedVersion::advance();
    }
    return before;
  });
  // 2. "Not a duplicate": the capture joins the gallery now (the search did
  //    not enrol it), once. "A duplicate" after an interrupted "not a
  //    duplicate": the capture that attempt may have enrolled leaves again.
  auto& session = impl_->session();
  if (clear && !session.contains(id))
    session.enrol(decode_person_record(impl_->vault.get("captures", id + ".tgr", false)));
  if (dup && was_enrolling) session.remove(id);
  // 3. The decision.
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::adjudicate);
    app.data.erase("enrolling");
    if (dup) {
      app.data["linked_nik"] = dup->nik;
      app.data["reasons"] = Json::array({"duplicate of NIK " + dup->nik});
    } else {
      app.data["reasons"] = Json::array({"not a duplicate: " + clear->reason});
    }
    impl_->step_done(app, SopStep::check_deduplication);
    impl_->move(a, app, Action::adjudicate, dup ? AppState::duplicate : AppState::cleared,
                {{"duplicate", dup != nullptr}, {"note", dup ? dup->nik : clear->reason}});
    return impl_->view(app);
  });
}

}  // namespace tunggal::workflow
