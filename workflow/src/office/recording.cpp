// Step 7: fingerprints and face at the office.
#include "office_impl.h"

namespace tunggal::workflow {

// ---- step 7 ---------------------------------------------------------------------

ApplicationView Office::record_biometrics(const Actor& a, const std::string& id, const std::string& station_id,
                                          const PersonRecord& capture, const ColorImage& photo,
                                          const FingerImages& finger_images) {
  // Images from the caller: checked, then encoded outside the lock.
  std::vector<std::pair<int, std::vector<std::uint8_t>>> images;
  for (const auto& [pos, img] : finger_images) {
    if (!capture.finger(pos)) refuse("record_biometrics: an image of the " + std::string(to_string(pos)) + ", which the capture does not hold");
    if (const auto p = finger_image_problem(pos, img); !p.empty()) refuse("record_biometrics: " + p);
  }
  // Checks that need the SDK (the officer's own fingers) run before the
  // transaction; the decision is taken inside it.
  std::vector<std::string> problems;
  std::string officer_fingers;
  {
    std::lock_guard lock(impl_->mu);
    auto s = impl_->db.prepare("SELECT fingers FROM officers WHERE id=?");
    s.bind(1, a.id());
    if (s.step()) officer_fingers = s.text(0);
  }
  // The quality gate.
  int good = 0;
  for (const auto& f : capture.fingers) good += f.quality >= impl_->config.min_finger_quality && !f.minutiae.empty();
  if (good < impl_->config.min_fingers)
    problems.push_back(std::to_string(good) + " fingers pass the quality gate (" +
                       std::to_string(impl_->config.min_finger_quality) + "), " +
                       std::to_string(impl_->config.min_fingers) + " are needed: recapture");
  if (photo.width < 64 || photo.height < 80) problems.push_back("no usable photo for the card: recapture the face");
  if (!officer_fingers.empty() && problems.empty()) {
    const PersonRecord own = decode_person_record(impl_->vault.get("officers", officer_fingers, true));
    const double threshold = score_for_fmr(impl_->config.officer_finger_fmr);
    auto& s = impl_->session();
    for (const auto& f : capture.fingers) {
      for (const auto& o : own.fingers) {
        if (s.compare(f, o) >= threshold) {
          problems.push_back("a captured finger (" + std::string(to_string(f.position)) +
                             ") is the recording officer's own: capture the applicant's fingers");
          break;
        }
      }
      if (!problems.empty()) break;
    }
  }
  std::vector<std::uint8_t> record_bytes;
  if (problems.empty())
    for (const auto& [pos, img] : finger_images) images.emplace_back(static_cast<int>(pos), png_of(img));
  if (problems.empty()) {
    PersonRecord r = capture;
    r.id = id;  // the gallery knows the application by its id
    try {
      record_bytes = encode_person_record(r);
    } catch (const Error& e) {
      problems.push_back(std::string("the capture does not make a record (enrolment failure): ") + e.what());
    }
  }
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::record_biometrics);
    const auto st = impl_->station(station_id);
    if (!st || st->kind != Station::Kind::recording) throw Error(ErrorCode::not_found, "no recording station " + station_id);
    if (!st->in_service) refuse("record_biometrics: station " + station_id + " is out of service (" + st->out_of_service_reason + ")");
    if (st->last_sync < impl_->now() - impl_->config.max_unsynced_hours * 3600)
      conflict("record_biometrics: station " + station_id +
               (st->last_sync == 0 ? std::string(" has never synchronised with the consolidation center")
                                   : " has not synchronised with the consolidation center for more than " +
                                         std::to_string(impl_->config.max_unsynced_hours) + " hours") +
               ": it takes no new recordings until it does (`tunggal office station sync --id " + station_id + "`)");
    if (st->free_disk_mb < impl_->config.min_free_disk_mb)
      refuse("record_biometrics: station " + station_id + " is low on disk (" + std::to_string(st->free_disk_mb) +
             " MB free): it takes no new recordings");
    if (!problems.empty()) {
      app.data["reasons"] = problems;
      app.holder.clear();
      app.hold_until = 0;
      impl_->move(a, app, Action::record_biometrics, AppState::recapture_needed, {{"reasons", problems}});
      return impl_->view(app);
    }
    // The capture and photo sealed in the vault (named by the application),
    // then the outbox entry: both in this step.
    impl_->vault.put_named("captures", id + ".tgr", record_bytes);
    impl_->vault.put_named("captures", id + ".photo", photo.rgb);
    app.data["photo_size"] = {photo.width, photo.height};
    Json kept = Json::array();
    for (const auto& [pos, png] : images) {
      impl_->vault.put_named("captures", id + ".f" + std::to_string(pos) + ".png", png);
      kept.push_back(pos);
    }
    app.data["finger_images"] = kept;  // this capture's (a recapture's replace the last)
    app.data.erase("reasons");
    impl_->db.prepare("INSERT INTO outbox(application, state, attempts, created) VALUES(?, 'pending', 0, ?) "
                      "ON CONFLICT(application) DO UPDATE SET state='pending', attempts=0, created=excluded.created")
        .bind(1, id)
        .bind(2, impl_->now())
        .run();
    impl_->step_done(app, SopStep::record_biometrics);
    impl_->move(a, app, Action::record_biometrics, AppState::awaiting_consolidation,
                {{"station", station_id}, {"fingers", capture.fingers.size()}, {"face", capture.face.has_value()}});
    return impl_->view(app);
  });
}

}  // namespace tunggal::workflow
