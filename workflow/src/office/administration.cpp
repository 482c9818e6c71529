// The administrator's configuration: officers, step roles, stations,
// holidays, stock, the population database and reference images.
#include "office_impl.h"

namespace tunggal::workflow {

// ---- configuration --------------------------------------------------------

void Office::add_officer(const Actor& admin, const Officer& o, const std::string& password,
                         const std::vector<FingerTemplate>& own_fingers) {
  impl_->require_admin(admin);
  if (o.id.empty() || o.id.rfind("applicant:", 0) == 0 || o.id == "system") refuse("officer: a usable id, please");
  const std::string hash = store::hash_password(password);  // slow: outside the lock
  std::string fingers;
  if (!own_fingers.empty()) {
    PersonRecord r;
    r.id = "officer-" + o.id;
    r.fingers = own_fingers;
    const auto bytes = encode_person_record(r);
    fingers = impl_->vault.put("officers", bytes);
  }
  impl_->tx([&] {
    impl_->db.prepare("INSERT INTO officers(id, name, role, password, active, fingers) VALUES(?,?,?,?,?,?)")
        .bind(1, o.id)
        .bind(2, o.name)
        .bind(3, to_string(o.role))
        .bind(4, hash)
        .bind(5, std::int64_t{o.active ? 1 : 0})
        .bind(6, fingers)
        .run();
    impl_->audit(admin, "", "add_officer", "", "", {{"officer", o.id}, {"role", to_string(o.role)}});
  });
}

void Office::set_step_role(const Actor& admin, SopStep step, Role role) {
  impl_->require_admin(admin);
  if (role == Role::administrator) refuse("set_step_role: an administrator acts in no step");
  impl_->tx([&] {
    impl_->db.prepare("UPDATE step_roles SET role=? WHERE step=?")
        .bind(1, to_string(role))
        .bind(2, std::int64_t{static_cast<int>(step)})
        .run();
    impl_->audit(admin, "", "set_step_role", "", "", {{"step", static_cast<int>(step)}, {"role", to_string(role)}});
  });
}

Role Office::step_role(SopStep step) const {
  std::lock_guard lock(impl_->mu);
  return impl_->role_of(step);
}

void Office::add_station(const Actor& admin, const Station& st) {
  impl_->require_admin(admin);
  if (st.id.empty() || st.daily_capacity < 0) refuse("station: an id and a capacity >= 0");
  impl_->tx([&] {
    if (impl_->station(st.id)) refuse("station " + st.id + " exists");
    impl_->put_station(st);
    impl_->audit(admin, "", "add_station", "", "", {{"station", st.id}});
  });
}

void Office::set_station_in_service(const Actor& actor, const std::string& id, bool in_service, const std::string& reason) {
  if (actor.role() == Role::applicant) deny("stations: not for applicants");
  impl_->tx([&] {
    auto st = impl_->station(id);
    if (!st) throw Error(ErrorCode::not_found, "no station " + id);
    st->in_service = in_service;
    st->out_of_service_reason = in_service ? "" : reason;
    impl_->put_station(*st);
    impl_->audit(actor, "", in_service ? "station_in_service" : "station_out_of_service", "", "",
                 {{"station", id}, {"reason", reason}});
  });
}

void Office::station_sync(const Actor& actor, const std::string& id, std::int64_t free_disk_mb) {
  if (actor.role() == Role::applicant) deny("stations: not for applicants");
  impl_->tx([&] {
    auto st = impl_->station(id);
    if (!st) throw Error(ErrorCode::not_found, "no station " + id);
    st->last_sync = impl_->now();
    st->free_disk_mb = free_disk_mb;
    impl_->put_station(*st);
    impl_->audit(actor, "", "station_sync", "", "", {{"station", id}, {"free_disk_mb", free_disk_mb}});
  });
}

void Office::add_holiday(const Actor& admin, const std::string& day) {
  impl_->require_admin(admin);
  day_number(day);  // validates
  impl_->tx([&] {
    impl_->db.prepare("INSERT OR IGNORE INTO holidays(day) VALUES(?)").bind(1, day).run();
    impl_->audit(admin, "", "add_holiday", "", "", {{"day", day}});
  });
}

void Office::add_stock(const Actor& admin, const std::string& printer, const std::string& prefix, int first, int count) {
  impl_->require_admin(admin);
  if (count < 1 || count > 100000 || first < 0) refuse("stock: 1..100000 blanks from a serial >= 0");
  impl_->tx([&] {
    auto st = impl_->station(printer);
    if (!st || st->kind != Station::Kind::printing) throw Error(ErrorCode::not_found, "no printing station " + printer);
    for (int i = 0; i < count; ++i) {
      char serial[64];
      std::snprintf(serial, sizeof serial, "%s%08d", prefix.c_str(), first + i);
      impl_->db.prepare("INSERT INTO stock(serial, printer, state, at) VALUES(?, ?, 'blank', ?)")
          .bind(1, std::string(serial))
          .bind(2, printer)
          .bind(3, impl_->now())
          .run();
    }
    impl_->audit(admin, "", "add_stock", "", "",
                 {{"printer", printer}, {"first", prefix + std::to_string(first)}, {"count", count}});
  });
}

void Office::import_residents(const Actor& admin, std::span<const Resident> residents) {
  impl_->require_admin(admin);
  // The register's rows are checked as the form is (the card is printed
  // from them): all of them before any is stored.
  for (const auto& r : residents) {
    if (const auto p = nik_problem(r.nik); !p.empty()) refuse("resident " + r.nik.substr(0, 20) + ": " + p);
    for (const auto& f : kFormFields)
      if (const auto p = text_problem(r.*f.member, f.min_bytes, f.max_bytes); !p.empty())
        refuse("resident " + r.nik + ": " + std::string(f.name) + " " + p);
    if (const auto p = date_problem(r.birth_date); !p.empty()) refuse("resident " + r.nik + ": birth_date " + p);
  }
  impl_->tx([&] {
    for (const auto& r : residents) {
      impl_->db.prepare("INSERT INTO residents(nik, data) VALUES(?, ?) ON CONFLICT(nik) DO UPDATE SET data=excluded.data")
          .bind(1, r.nik)
          .bind(2, resident_json(r).dump())
          .run();
    }
    impl_->audit(admin, "", "import_residents", "", "", {{"count", residents.size()}});
  });
}

void Office::keep_reference_images(const Actor& admin, const std::string& ref, const std::string& label,
                                   const ColorImage& photo, const FingerImages& fingers) {
  impl_->require_admin(admin);
  check_vault_name(ref);
  if (label.size() > 200) refuse("reference " + ref + ": a label of at most 200 characters");
  Json manifest = {{"label", label}, {"fingers", Json::array()}, {"photo", photo.width > 0}};
  std::vector<std::pair<int, std::vector<std::uint8_t>>> images;
  for (const auto& [pos, img] : fingers) {
    if (const auto p = finger_image_problem(pos, img); !p.empty()) refuse("reference " + ref + ": " + p);
    images.emplace_back(static_cast<int>(pos), png_of(img));
    manifest["fingers"].push_back(static_cast<int>(pos));
  }
  if (photo.width > 0 && (photo.height <= 0 || photo.rgb.size() != static_cast<std::size_t>(photo.width) * photo.height * 3))
    refuse("reference " + ref + ": the photo has not width x height x 3 bytes");
  // The images first, the manifest last: a reference counts once its
  // manifest is there.
  for (const auto& [pos, png] : images) impl_->vault.put_named("references", ref + ".f" + std::to_string(pos) + ".png", png);
  if (photo.width > 0) impl_->vault.put_named("references", ref + ".photo.png", png_of(photo));
  const std::string text = manifest.dump();
  impl_->vault.put_named("references", ref + ".json", std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  // Who brought whose biometrics into the office (not the images).
  impl_->tx([&] {
    impl_->audit(admin, "", "keep_reference_images", "", "",
                 {{"reference", ref}, {"fingers", images.size()}, {"photo", photo.width > 0}});
  });
}

Resident resident_from_record(const PersonRecord& record) {
  Resident x;
  for (const auto& f : kFormFields)
    if (const std::string* v = record.attribute(std::string(f.name))) x.*f.member = *v;
  if (x.family_card.empty() && x.nik.size() == 16) x.family_card = x.nik.substr(0, 6) + "0101" + x.nik.substr(12, 4) + "99";
  return x;
}

}  // namespace tunggal::workflow
