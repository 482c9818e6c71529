// Steps 9-10: the print-ready record, the card printed from the stock of
// blanks, spoiled cards.
#include "office_impl.h"

namespace tunggal::workflow {

ApplicationView Office::verify_print_request(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::verify_print_request);
    app.data["prr"] = "PRR-" + id;
    impl_->step_done(app, SopStep::verify_print_request);
    impl_->move(a, app, Action::verify_print_request, AppState::print_ready, {{"prr", "PRR-" + id}});
    return impl_->view(app);
  });
}

// ---- step 10: printing ---------------------------------------------------------------

PrintAttempt Office::print_card(const Actor& a, const std::string& id, const std::string& printer) {
  PrintAttempt out;
  // 1. The intent: a blank reserved for this application ('printing'), in
  //    a transaction; a crash after it leaves the blank accounted for.
  std::string serial;
  Station st;
  Resident res;
  std::pair<int, int> size{0, 0};
  const bool go = impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::print_card);
    const auto s = impl_->station(printer);
    if (!s || s->kind != Station::Kind::printing) throw Error(ErrorCode::not_found, "no printing station " + printer);
    st = *s;
    if (!st.in_service) {
      out.held = true;
      out.outcome = sdk::PrintOutcome::printer_stopped;
      out.message = "printer " + printer + " is out of service (" + st.out_of_service_reason + "): the card waits";
      return false;
    }
    // A print cut short by a crash (the blank reserved, no outcome): whether
    // that card came out is unknown, so its blank counts as spoiled (the
    // officer destroys whatever is in the tray) and the card is printed anew.
    {
      auto stale = impl_->db.prepare("SELECT serial FROM stock WHERE application=? AND state='printing'");
      stale.bind(1, id);
      std::vector<std::string> cut;
      while (stale.step()) cut.push_back(stale.text(0));
      for (const auto& old : cut) {
        impl_->db.prepare("UPDATE stock SET state='spoiled', at=? WHERE serial=?").bind(1, impl_->now()).bind(2, old).run();
        impl_->audit(a, id, "print_interrupted", to_string(app.state), to_string(app.state),
                     {{"serial", old}, {"blank", "spoiled"}, {"why", "a print cut short: its outcome is unknown"}});
      }
    }
    auto b = impl_->db.prepare("SELECT serial FROM stock WHERE printer=? AND state='blank' ORDER BY serial LIMIT 1");
    b.bind(1, printer);
    if (!b.step()) {
      out.held = true;
      out.outcome = sdk::PrintOutcome::out_of_media;
      out.message = "no blank cards left for " + printer + ": printing holds until stock is added";
      impl_->audit(a, id, "print_held", to_string(app.state), to_string(app.state), {{"printer", printer}, {"why", "no blanks"}});
      return false;
    }
    serial = b.text(0);
    impl_->db.prepare("UPDATE stock SET state='printing', application=?, at=? WHERE serial=?")
        .bind(1, id)
        .bind(2, impl_->now())
        .bind(3, serial)
        .run();
    const auto r = impl_->resident(app.nik);
    if (!r) throw Error(ErrorCode::not_found, "print_card: NIK " + app.nik + " left the population database");
    res = *r;
    size = {app.data["photo_size"][0].get<int>(), app.data["photo_size"][1].get<int>()};
    impl_->audit(a, id, "print_started", to_string(app.state), to_string(app.state), {{"printer", printer}, {"serial", serial}});
    return true;
  });
  if (!go) return out;
  out.serial = serial;
  // 2. The card, rendered and printed outside the store's lock.
  std::string failure;
  bool consumed = true;  // a failed job may have used the blank
  try {
    ColorImage photo;
    photo.width = size.first;
    photo.height = size.second;
    photo.rgb = impl_->vault.get("captures", id + ".photo", false);
    const sdk::CardData d = card_data_of(res, impl_->config.issuing_office, impl_->today());
    const auto card = sdk::render_card(d, photo);
    if (st.printer_queue.empty()) {
      out.outcome = sdk::PrintOutcome::completed;
    } else {
      sdk::PrintOptions po;
      po.title = "KTP-el " + serial;
      const auto r = sdk::print_pdf(st.printer_queue, card.pdf, po);
      out.outcome = r.outcome;
      out.message = r.message;
      // The printer never took the job: the blank is still in the tray.
      consumed = r.outcome == sdk::PrintOutcome::completed || r.outcome == sdk::PrintOutcome::job_failed ||
                 r.outcome == sdk::PrintOutcome::job_cancelled;
      if (!r.ok()) failure = std::string(sdk::to_string(r.outcome)) + ": " + r.message;
    }
    if (failure.empty()) {
      std::filesystem::create_directories(impl_->config.dir / "cards");
      out.pdf = impl_->config.dir / "cards" / (id + ".pdf");
      write_file_durably(out.pdf, card.pdf);
    }
  } catch (const Error& e) {
    failure = e.what();
    out.outcome = sdk::PrintOutcome::job_failed;
    consumed = false;  // nothing reached a printer
  }
  // 3. The outcome, in a transaction.
  impl_->tx([&] {
    auto app = impl_->must_load(id);
    if (failure.empty()) {
      impl_->db.prepare("UPDATE stock SET state='printed', at=? WHERE serial=?").bind(1, impl_->now()).bind(2, serial).run();
      app.data["serial"] = serial;
      app.data["printer"] = printer;
      app.data.erase("reasons");
      impl_->step_done(app, SopStep::print_card);
      impl_->move(a, app, Action::print_card, AppState::printed, {{"printer", printer}, {"serial", serial}});
    } else {
      impl_->db.prepare("UPDATE stock SET state=?, application=?, at=? WHERE serial=?")
          .bind(1, consumed ? "spoiled" : "blank")
          .bind(2, consumed ? std::optional<std::string>(id) : std::nullopt)
          .bind(3, impl_->now())
          .bind(4, serial)
          .run();
      app.data["reasons"] = Json::array({"print failed: " + failure});
      if (!consumed) {
        // A printer that does not take jobs goes out of service; its work
        // moves to another printer.
        auto s2 = impl_->station(printer);
        if (s2 && (out.outcome == sdk::PrintOutcome::printer_offline || out.outcome == sdk::PrintOutcome::printer_stopped ||
                   out.outcome == sdk::PrintOutcome::printer_missing || out.outcome == sdk::PrintOutcome::out_of_media)) {
          s2->in_service = false;
          s2->out_of_service_reason = failure;
          impl_->put_station(*s2);
          out.held = true;
        }
      }
      app.holder.clear();
      app.hold_until = 0;
      impl_->move(a, app, Action::print_card, AppState::print_ready,
                  {{"printer", printer}, {"serial", serial}, {"blank", consumed ? "spoiled" : "kept"}, {"why", failure}},
                  "print_failed");
      out.message = failure;
      out.serial = consumed ? serial : "";
    }
  });
  return out;
}

std::vector<std::pair<std::string, PrintAttempt>> Office::bulk_print(const Actor& a, const std::string& printer) {
  std::vector<std::pair<std::string, PrintAttempt>> out;
  for (const auto& v : applications(a, AppState::print_ready)) {
    take(a, v.id);
    auto r = print_card(a, v.id, printer);
    const bool held = r.held;
    out.emplace_back(v.id, std::move(r));
    if (held) {
      release(a, v.id);
      break;  // no blanks or no printer: the rest wait too
    }
  }
  return out;
}

ApplicationView Office::report_spoiled(const Actor& a, const std::string& id, const std::string& reason) {
  if (reason.empty()) refuse("report_spoiled: say what is wrong with the card");
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::report_spoiled);
    const std::string serial = app.data.value("serial", "");
    impl_->db.prepare("UPDATE stock SET state='spoiled', at=? WHERE serial=?").bind(1, impl_->now()).bind(2, serial).run();
    app.data["reasons"] = Json::array({"card " + serial + " spoiled: " + reason});
    app.data["spoiled"] = app.data.value("spoiled", 0) + 1;
    app.data.erase("serial");
    app.holder.clear();
    app.hold_until = 0;
    impl_->move(a, app, Action::report_spoiled, AppState::print_ready, {{"serial", serial}, {"reason", reason}});
    return impl_->view(app);
  });
}

}  // namespace tunggal::workflow
