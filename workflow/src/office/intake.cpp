// Steps 1-6: the application and its documents, holds, the document and
// population checks, validation and the recording appointment.
#include "office_impl.h"

namespace tunggal::workflow {

// ---- step 1 -------------------------------------------------------------------

namespace {

Json store_documents(store::Vault& vault, const std::vector<Document>& docs) {
  Json out = Json::array();
  for (const auto& d : docs) {
    if (d.bytes.empty()) refuse("document " + std::string(to_string(d.kind)) + " is empty");
    if (d.bytes.size() > kMaxDocumentBytes)
      throw Error(ErrorCode::limit_exceeded, "document " + std::string(to_string(d.kind)) + " is " +
                                                 std::to_string(d.bytes.size()) + " bytes, over the limit of " +
                                                 std::to_string(kMaxDocumentBytes));
    const auto check = detail::check_document(d.bytes);
    if (!check.problem.empty())
      throw Error(ErrorCode::malformed_data, "document " + std::string(to_string(d.kind)) + " is " + check.problem);
    const std::string& type = check.type;
    out.push_back({{"kind", to_string(d.kind)}, {"type", type}, {"size", d.bytes.size()},
                   {"hash", vault.put("documents", d.bytes)}});
  }
  return out;
}

// Every field of the form, before anything is stored: the caller learns
// at step 1 what would otherwise fail at the print room.
void check_form(const ApplicantForm& f, const std::string& today) {
  for (const auto& field : kFormFields)
    if (const auto p = text_problem(f.*field.member, field.min_bytes, field.max_bytes); !p.empty())
      refuse("form: " + std::string(field.name) + " " + p);
  if (const auto p = nik_problem(f.nik); !p.empty()) refuse("form: nik " + f.nik + ": " + p);
  if (!f.family_card.empty() && (f.family_card.size() != 16 || !std::all_of(f.family_card.begin(), f.family_card.end(),
                                                                            [](char c) { return c >= '0' && c <= '9'; })))
    refuse("form: family_card has 16 digits");
  if (const auto p = date_problem(f.birth_date); !p.empty()) refuse("form: birth_date " + p);
  if (age_on(f.birth_date, today) < 0) refuse("form: birth_date " + f.birth_date + " is after today");
  // What the card will print as typed (the fields step 3 holds equal to the
  // register) must fit the card's boxes: laid out now, not at step 10.
  Resident on_card = f;
  for (const auto& field : kFormFields)
    if (!field.identity && field.member != &Demographics::nik) on_card.*field.member = "-";
  static const ColorImage stand_in = [] {
    ColorImage p;
    p.width = 64;
    p.height = 80;
    p.rgb.resize(64 * 80 * 3);
    for (std::size_t i = 0; i < p.rgb.size(); ++i) p.rgb[i] = static_cast<std::uint8_t>(i / 3 % 64 * 4);
    return p;
  }();
  sdk::CardRenderOptions layout;
  layout.png_dpi = 72;  // the layout is what is checked, not the picture
  try {
    (void)sdk::render_card(card_data_of(on_card, "-", today), stand_in, nullptr, layout);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::invalid_argument) throw;
    refuse(std::string("form: ") + e.what() + ": it would not fit the printed card");
  }
}

}  // namespace

std::string Office::apply(const Actor& a, const ApplyRequest& req) {
  if (a.role() != Role::applicant) deny("apply: step 1 is the applicant's");
  if (a.id() != "applicant:" + req.form.nik) deny("apply: the form's NIK is not the applicant's");
  check_form(req.form, impl_->today());
  // One open application per NIK: a second is the same person applying
  // twice. Checked before the documents are stored (a refused apply leaves
  // nothing), and again in the transaction (two at once).
  const auto refuse_second = [&] {
    auto open = impl_->db.prepare("SELECT id, state FROM applications WHERE nik=?");
    open.bind(1, req.form.nik);
    while (open.step()) {
      const auto st = state_from_string(open.text(1));
      if (st && !is_final(*st)) conflict("apply: NIK " + req.form.nik + " already has application " + open.text(0));
    }
  };
  {
    std::lock_guard lock(impl_->mu);
    refuse_second();
  }
  const Json docs = store_documents(impl_->vault, req.documents);  // files first: the row names them
  return impl_->tx([&] {
    refuse_second();
    auto count = impl_->db.prepare("SELECT count(*) FROM applications");
    count.step();
    char id[32];
    std::snprintf(id, sizeof id, "A%06lld", static_cast<long long>(count.integer(0) + 1));
    Impl::App app;
    app.id = id;
    app.nik = req.form.nik;
    app.created_at = impl_->now();
    app.data = {{"form", form_json(req.form)}, {"documents", docs}};
    impl_->db.prepare("INSERT INTO applications(id, nik, state, version, created_at, updated_at, data) "
                      "VALUES(?, ?, 'submitted', 0, ?, ?, ?)")
        .bind(1, app.id)
        .bind(2, app.nik)
        .bind(3, app.created_at)
        .bind(4, app.created_at)
        .bind(5, app.data.dump())
        .run();
    impl_->step_done(app, SopStep::apply_online, req.started_at.value_or(app.created_at));
    impl_->save(app);
    impl_->audit(a, app.id, "apply", "", "submitted", {{"documents", docs.size()}});
    return app.id;
  });
}

void Office::resubmit(const Actor& a, const std::string& id, const ApplyRequest& req) {
  check_form(req.form, impl_->today());
  const Json docs = store_documents(impl_->vault, req.documents);
  impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::resubmit);
    if (req.form.nik != app.nik) refuse("resubmit: the NIK cannot change (apply anew)");
    app.data["form"] = form_json(req.form);
    app.data["documents"] = docs;
    app.data.erase("reasons");
    impl_->step_done(app, SopStep::apply_online, req.started_at);
    impl_->move(a, app, Action::resubmit, AppState::submitted, {{"documents", docs.size()}});
  });
}

bool Office::take(const Actor& a, const std::string& id) {
  if (a.role() == Role::applicant) deny("take: officers take applications");
  return impl_->tx([&] {
    auto app = impl_->must_load(id);
    if (is_final(app.state)) conflict("take: application " + id + " is " + std::string(to_string(app.state)));
    // Only for an action this officer may do on it now: a wrong desk's
    // hold would lock the right officer out.
    const auto mine = impl_->allowed(a, app);
    if (std::none_of(mine.begin(), mine.end(), [](Action x) { return rows_of(x).front()->hold; })) {
      const Transition* next = main_transition(app.state);
      const bool someone = std::any_of(transitions().begin(), transitions().end(), [&](const Transition& t) {
        return t.hold && t.from.contains(app.state);
      });
      const std::string what = "take: application " + id + " is " + std::string(to_string(app.state)) +
                               (next ? "; next: step " + std::to_string(static_cast<int>(next->step)) + " (" +
                                           std::string(to_string(next->step)) + ") by " +
                                           std::string(to_string(impl_->role_of(next->step)))
                                     : "");
      if (someone) deny(what + ", not " + std::string(to_string(a.role())));
      conflict(what + ": nothing for an officer to take it for" + waiting_for_jobs(app.state));
    }
    const auto now = impl_->now();
    if (!app.holder.empty() && app.holder != a.id() && app.hold_until >= now)
      throw Error(ErrorCode::busy, "take: application " + id + " is held by " + app.holder + " until " +
                                       utc_date(app.hold_until, "%H:%M"));
    check_version("take", id, app.version);
    const bool fresh = app.holder != a.id() || app.hold_until < now;
    app.holder = a.id();
    app.hold_until = now + impl_->config.hold_minutes * 60;
    app.data["taken_at"] = now;
    impl_->save(app);
    impl_->audit(a, id, "take", to_string(app.state), to_string(app.state));
    detail::ExpectedVersion::advance();
    return fresh;
  });
}

std::vector<Action> Office::allowed(const Actor& a, const std::string& id) const {
  std::lock_guard lock(impl_->mu);
  const auto app = impl_->must_load(id);
  if (a.role() == Role::applicant && app.nik != a.id().substr(std::string("applicant:").size()))
    deny("allowed: application " + id + " is not this applicant's");
  return impl_->allowed(a, app);
}

void Office::release(const Actor& a, const std::string& id) {
  impl_->tx([&] {
    auto app = impl_->must_load(id);
    if (app.holder != a.id()) conflict("release: application " + id + " is not held by " + a.id());
    check_version("release", id, app.version);
    app.holder.clear();
    app.hold_until = 0;
    app.data.erase("taken_at");
    impl_->save(app);
    impl_->audit(a, id, "release", to_string(app.state), to_string(app.state));
  });
}

// ---- steps 2-6 -------------------------------------------------------------------

ApplicationView Office::check_documents(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::check_documents);
    std::vector<std::string> reasons;
    std::set<std::string> kinds;
    for (const auto& d : app.data["documents"]) {
      const std::string kind = d.value("kind", "");
      try {
        // Checked on read: the file must still be what was uploaded.
        const auto bytes = impl_->vault.get("documents", d.value("hash", ""), true);
        if (detail::check_document(bytes).type != d.value("type", "")) reasons.push_back(kind + ": its content changed type");
        kinds.insert(kind);
      } catch (const Error& e) {
        reasons.push_back(kind + ": cannot be read (" + e.what() + ")");
      }
    }
    if (!kinds.count("f102_form")) reasons.push_back("the F1-02 form is missing");
    if (!kinds.count("family_card")) reasons.push_back("the family card (KK) is missing");
    if (!kinds.count("birth_certificate") && !kinds.count("diploma"))
      reasons.push_back("a birth certificate or the last diploma is missing");
    const auto res = impl_->resident(app.nik);
    if (!res) {
      reasons.push_back("NIK " + app.nik + " is not in the population database");
    } else {
      // The age rule from the population data, not the form.
      const int age = age_on(res->birth_date, impl_->today());
      if (age < 17) {
        if (!ever_married(res->marital_status))
          reasons.push_back("under 17 (" + std::to_string(age) + ") and not married by the population database");
        else if (!kinds.count("marriage_certificate"))
          reasons.push_back("under 17 and married: the marriage book or certificate is missing");
      }
    }
    app.data["reasons"] = reasons;
    impl_->step_done(app, SopStep::check_documents);
    impl_->move(a, app, Action::check_documents, reasons.empty() ? AppState::documents_checked : AppState::documents_rejected,
                {{"reasons", reasons}});
    return impl_->view(app);
  });
}

ApplicationView Office::check_population(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::check_population);
    std::vector<std::string> mismatch;
    const auto res = impl_->resident(app.nik);
    if (!res) {
      mismatch.push_back("NIK not in the population database");
    } else {
      const Json& f = app.data["form"];
      const Json r = resident_json(*res);
      for (const auto& field : kFormFields) {
        const std::string name(field.name);
        if (field.identity && f.value(name, "") != r.value(name, ""))
          mismatch.push_back(name + " differs from the population database");
      }
    }
    app.data["reasons"] = mismatch;
    impl_->step_done(app, SopStep::check_population);
    impl_->move(a, app, Action::check_population, mismatch.empty() ? AppState::population_checked : AppState::biodata_mismatch,
                {{"mismatch", mismatch}});
    return impl_->view(app);
  });
}

ApplicationView Office::validate_data(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::validate_data);
    app.data.erase("reasons");
    impl_->step_done(app, SopStep::validate_data);
    impl_->move(a, app, Action::validate_data, AppState::ready_to_record, {{"nik_status", "ready to record"}});
    return impl_->view(app);
  });
}

ApplicationView Office::send_schedule(const Actor& a, const std::string& id, const std::string& day) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::send_schedule);
    const std::int64_t first = day.empty() ? impl_->now() / 86400 : day_number(day);
    std::set<std::string> holidays;
    {
      auto s = impl_->db.prepare("SELECT day FROM holidays");
      while (s.step()) holidays.insert(s.text(0));
    }
    std::vector<Station> recording;
    for (auto& st : impl_->all_stations())
      if (st.kind == Station::Kind::recording && st.in_service) recording.push_back(st);
    if (recording.empty()) refuse("send_schedule: no recording station in service");
    impl_->db.prepare("DELETE FROM appointments WHERE application=?").bind(1, id).run();  // a reschedule frees its slot
    std::string chosen_station, chosen_day;
    for (std::int64_t d = first; d < first + 120 && chosen_day.empty(); ++d) {
      const std::string iso = iso_day(d);
      if (weekend(d) || holidays.count(iso)) continue;
      for (const auto& st : recording) {
        auto c = impl_->db.prepare("SELECT count(*) FROM appointments WHERE station=? AND day=?");
        c.bind(1, st.id).bind(2, iso);
        c.step();
        if (c.integer(0) < st.daily_capacity) {
          chosen_station = st.id;
          chosen_day = iso;
          break;
        }
      }
    }
    if (chosen_day.empty()) refuse("send_schedule: no free recording slot in the next 120 days");
    impl_->db.prepare("INSERT INTO appointments(application, station, day) VALUES(?, ?, ?)")
        .bind(1, id)
        .bind(2, chosen_station)
        .bind(3, chosen_day)
        .run();
    const bool again = app.state != AppState::ready_to_record;
    app.data["station"] = chosen_station;
    app.data["day"] = chosen_day;
    app.data.erase("reasons");
    impl_->step_done(app, SopStep::send_schedule);
    impl_->move(a, app, Action::send_schedule, AppState::scheduled, {{"station", chosen_station}, {"day", chosen_day}},
                again ? "reschedule" : "");
    return impl_->view(app);
  });
}

ApplicationView Office::confirm_schedule(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::confirm_schedule);
    impl_->step_done(app, SopStep::confirm_schedule);
    impl_->move(a, app, Action::confirm_schedule, AppState::confirmed);
    return impl_->view(app);
  });
}

ApplicationView Office::mark_no_show(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::mark_no_show);
    impl_->db.prepare("DELETE FROM appointments WHERE application=?").bind(1, id).run();
    app.data["reasons"] = Json::array({"did not come on " + app.data.value("day", std::string("the day"))});
    app.data["no_shows"] = app.data.value("no_shows", 0) + 1;
    app.holder.clear();
    app.hold_until = 0;
    impl_->move(a, app, Action::mark_no_show, AppState::no_show);
    return impl_->view(app);
  });
}

}  // namespace tunggal::workflow
