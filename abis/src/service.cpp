// The service: each request is first recorded in the journal (SQLite, WAL,
// synchronous=FULL) under its requestId, then run, then its answer recorded;
// the answer is returned only after that. Work that changes the gallery
// records its progress first, so that a job found unanswered after a crash
// is finished the way it started (an INSERT whose enrolment landed answers
// success, not "already exists").
#include "tunggal/abis/service.h"

#include <algorithm>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "tunggal/abis/cbeff.h"
#include "tunggal/error.h"
#include "tunggal/person_record.h"
#include "tunggal/store/sqlite.h"
#include "tunggal/store/vault.h"

namespace tunggal::abis {

namespace sql = store::sql;

namespace {

// A job's outcome: the response, or the failure with what happened (the
// message is for the operator's log only).
struct Outcome {
  Response response;
  std::string log;
};

std::vector<std::uint8_t> as_bytes(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace

struct Service::Impl {
  explicit Impl(ServiceConfig c) : config(std::move(c)), db(config.dir / "jobs.db"), vault(config.dir) {
    db.exec("PRAGMA synchronous=FULL");
    db.exec(
        "CREATE TABLE IF NOT EXISTS jobs(seq INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT UNIQUE NOT NULL, "
        "op TEXT NOT NULL, body BLOB NOT NULL, state TEXT NOT NULL, progress TEXT NOT NULL DEFAULT '', answer TEXT, "
        "accepted INTEGER NOT NULL, answered INTEGER)");
    db.exec("CREATE TABLE IF NOT EXISTS refs(ref TEXT PRIMARY KEY, record BLOB NOT NULL, inserted_by TEXT NOT NULL)");
    if (config.session.gallery.empty()) {
      // Templates sealed at rest under the service's key, as the journal is.
      config.session.gallery = config.dir / "gallery";
      if (config.session.gallery_key_file.empty()) config.session.gallery_key_file = config.dir / "secret.key";
    }
    session = std::make_unique<sdk::Session>(config.session);
    if (!config.fetch) config.fetch = curl_fetcher();
  }

  ServiceConfig config;
  sql::Db db;
  store::Vault vault;
  std::unique_ptr<sdk::Session> session;
  mutable std::mutex mu;  // one job at a time: the order rule
  ServiceCounters counters;

  template <typename F>
  auto tx(F&& f) -> decltype(f()) {
    return db.immediate(std::forward<F>(f));
  }

  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }

  void set_progress(const std::string& request_id, const std::string& p) {
    db.prepare("UPDATE jobs SET progress=? WHERE request_id=?").bind(1, p).bind(2, request_id).run();
  }

  // The probe or the record to enrol, from a referenceURL.
  std::variant<PersonRecord, Outcome> biometrics(const Request& r, const std::string& url, const std::string& ref,
                                                 const std::vector<std::uint8_t>& inline_doc,
                                                 const std::optional<PersonRecord>& templates) {
    const auto fail = [&](FailureReason why, std::string log) { return Outcome{failure(r, why), std::move(log)}; };
    if (templates) {  // the SDK's remote mode: extracted already
      if (templates->fingers.empty() && !templates->face) return fail(FailureReason::cbeff_no_data, "tunggalRecord holds no finger and no face");
      PersonRecord rec = *templates;
      rec.id = ref;
      return rec;
    }
    FetchResult got = inline_doc.empty() ? config.fetch(url) : FetchResult{inline_doc, std::nullopt, ""};
    if (got.failure) return fail(*got.failure, "fetching the biometrics: " + got.message);
    // XML starts with '<' (after any byte-order mark or blanks); anything
    // else is MOSIP 1.2's encrypted layout.
    const auto first = std::find_if(got.body.begin(), got.body.end(), [](std::uint8_t c) {
      return c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != 0xEF && c != 0xBB && c != 0xBF;
    });
    if (first != got.body.end() && *first != '<') {
      if (!config.partner_key) return fail(FailureReason::invalid_cbeff, "the document is not XML and no partner key is configured to decrypt it");
      try {
        got.body = config.partner_key->decrypt(got.body);
      } catch (const Error& e) {
        return fail(FailureReason::invalid_cbeff, e.what());
      }
    }
    CbeffDocument doc;
    try {
      doc = parse_cbeff(got.body);
    } catch (const Error& e) {
      return fail(FailureReason::invalid_cbeff, e.what());
    }
    PersonRecord rec;
    rec.id = ref;
    std::vector<GrayImage> images;
    std::vector<FingerPosition> positions;
    std::size_t with_data = 0, quality_failed = 0;
    std::optional<ColorImage> face;
    for (const auto& s : doc.samples) {
      if (s.exception || s.bdb.empty()) continue;
      ++with_data;
      try {
        if (s.modality == Modality::finger && s.format_type == 7) {
          auto f = parse_finger_image_record(s.bdb);
          const FingerPosition pos = f.position != FingerPosition::unknown ? f.position : s.position;
          if (pos == FingerPosition::unknown || std::find(positions.begin(), positions.end(), pos) != positions.end())
            continue;  // a finger we cannot place, or one given twice
          images.push_back(std::move(f.image));
          positions.push_back(pos);
        } else if (s.modality == Modality::face && s.format_type == 8 && !face && config.session.face) {
          face = parse_face_image_record(s.bdb).image;
        }
      } catch (const Error& e) {
        return fail(FailureReason::invalid_cbeff, std::string("a sample's record: ") + e.what());
      }
    }
    if (with_data == 0) return fail(FailureReason::cbeff_no_data, "the CBEFF document holds no biometric data");
    for (auto& smp : session->extract_fingers(images, positions)) {
      if (smp.acceptable && !smp.finger.minutiae.empty()) rec.fingers.push_back(std::move(smp.finger));
      else ++quality_failed;
    }
    if (face) {
      auto fs = session->extract_face(*face);
      if (fs.acceptable && fs.face) rec.face = std::move(fs.face);
    }
    if (rec.fingers.empty() && !rec.face)
      return fail(FailureReason::quality_check_failed, std::to_string(quality_failed) + " fingers below the quality gate, no usable face");
    return rec;
  }

  std::optional<PersonRecord> stored(const std::string& ref) {
    auto s = db.prepare("SELECT record FROM refs WHERE ref=?");
    s.bind(1, ref);
    if (!s.step()) return std::nullopt;
    const std::string box = s.text(0);
    return decode_person_record(vault.open(as_bytes(box), "the record of " + ref));
  }

  void keep_record(const Request& r, const std::string& ref, const PersonRecord& rec, const char* progress) {
    const auto sealed = vault.seal(encode_person_record(rec));
    tx([&] {
      db.prepare("INSERT OR REPLACE INTO refs(ref, record, inserted_by) VALUES(?,?,?)")
          .bind(1, ref)
          .bind(2, std::string(sealed.begin(), sealed.end()))
          .bind(3, r.request_id)
          .run();
      set_progress(r.request_id, progress);
    });
  }

  IdentifyOptions search_options(const SearchFlags& f) const {
    IdentifyOptions o = session->identify_options();
    if (f.target_fpir) o.target_fpir = *f.target_fpir;
    if (f.max_results) o.max_results = static_cast<std::size_t>(*f.max_results);
    o.exhaustive = f.exhaustive;
    return o;
  }

  static Response with_decision(Response out, const DedupDecision& d, const std::string& probe_ref) {
    out.candidates.emplace();
    for (const auto& c : d.candidates) {
      if (c.ref == probe_ref) continue;
      ResponseCandidate k{c.ref, c.score, {}};
      if (c.fingers) k.modalities.push_back({"FIR", *c.fingers});
      if (c.face) k.modalities.push_back({"FID", *c.face});
      out.candidates->push_back(std::move(k));
    }
    out.decision = d;
    return out;
  }

  Outcome insert(const Request& r, const InsertRequest& b, const std::string& progress) {
    const bool known = session->contains(b.reference_id);
    // A job cut short after its enrolment landed: finish it as a success.
    if (progress == "enrolling") {
      if (auto rec = stored(b.reference_id)) {
        if (!known) session->enrol(*rec);
        return {success(r), ""};
      }
    }
    if (progress == "deduplicating" && known) {
      // Enrolled, so it was found unique; the candidates below the
      // threshold were not kept (none was above it).
      DedupDecision d;
      d.threshold = duplicate_threshold(search_options(b).target_fpir, std::max<std::size_t>(1, session->count() - 1));
      return {with_decision(success(r), d, b.reference_id), ""};
    }
    if (b.mode == InsertMode::update) {
      if (!known) return {failure(r, FailureReason::reference_id_not_found), "update: no such referenceId"};
    } else if (known) {
      return {failure(r, FailureReason::reference_id_exists), "referenceId exists"};
    }
    auto got = biometrics(r, b.reference_url, b.reference_id, b.document, b.record);
    if (auto* o = std::get_if<Outcome>(&got)) return std::move(*o);
    const auto& rec = std::get<PersonRecord>(got);
    switch (b.mode) {
      case InsertMode::insert:
        keep_record(r, b.reference_id, rec, "enrolling");
        session->enrol(rec);  // durable before it returns (the gallery's log)
        ++counters.inserts;
        return {success(r), ""};
      case InsertMode::update:
        keep_record(r, b.reference_id, rec, "updating");
        session->update(rec);  // one log entry: the old record or the new one
        ++counters.inserts;
        return {success(r), ""};
      case InsertMode::deduplicate: {
        keep_record(r, b.reference_id, rec, "deduplicating");
        const DedupDecision d = session->deduplicate(rec, search_options(b));  // search and enrol under one lock
        if (d.decision == Decision::duplicate)
          tx([&] { db.prepare("DELETE FROM refs WHERE ref=? AND inserted_by=?").bind(1, b.reference_id).bind(2, r.request_id).run(); });
        else
          ++counters.inserts;
        ++counters.identifies;
        return {with_decision(success(r), d, b.reference_id), ""};
      }
    }
    return {failure(r, FailureReason::unexpected_error), "unknown insert mode"};
  }

  Outcome identify(const Request& r, const IdentifyRequest& b) {
    // The referenceId of an inserted record is preferred (nothing to
    // fetch); else the document inline or at the URL (fetched, not stored).
    PersonRecord probe;
    std::optional<PersonRecord> rec;
    if (!b.reference_id.empty() && b.document.empty() && !b.record) rec = stored(b.reference_id);
    if (rec) {
      probe = std::move(*rec);
    } else if (!b.reference_url.empty() || !b.document.empty() || b.record) {
      auto got = biometrics(r, b.reference_url, b.reference_id, b.document, b.record);
      if (auto* o = std::get_if<Outcome>(&got)) return std::move(*o);
      probe = std::move(std::get<PersonRecord>(got));
    } else {
      return {failure(r, FailureReason::reference_id_not_found), "the probe's referenceId is not inserted"};
    }
    IdentifyOptions o = search_options(b);
    // One more, since the probe itself may be among them and is dropped.
    ++o.max_results;
    if (b.gallery) {
      if (b.gallery->empty()) {
        Response out = success(r);
        out.candidates.emplace();
        return {out, ""};
      }
      o.restrict_to = *b.gallery;
    }
    const auto d = session->identify(std::span(&probe, 1), o).front();
    ++counters.identifies;
    DedupDecision shown = d;
    std::erase_if(shown.candidates, [&](const Candidate& c) { return c.ref == b.reference_id; });  // never the probe itself
    if (shown.candidates.size() > o.max_results - 1) shown.candidates.resize(o.max_results - 1);
    Response out = with_decision(success(r), shown, b.reference_id);
    // The whole decision goes back to the SDK's remote mode only.
    if (!b.record) out.decision.reset();
    return {out, ""};
  }

  Outcome remove(const Request& r, const DeleteRequest& b, const std::string& progress) {
    const bool known = session->contains(b.reference_id);
    if (!known && progress != "removing") return {failure(r, FailureReason::reference_id_not_found), "no such referenceId"};
    tx([&] { set_progress(r.request_id, "removing"); });
    if (known) session->remove(b.reference_id);
    tx([&] { db.prepare("DELETE FROM refs WHERE ref=?").bind(1, b.reference_id).run(); });
    ++counters.deletes;
    return {success(r), ""};
  }

  Outcome run(const Request& r, const std::string& progress) {
    try {
      switch (r.op) {
        case Operation::insert: return insert(r, std::get<InsertRequest>(r.body), progress);
        case Operation::identify: return identify(r, std::get<IdentifyRequest>(r.body));
        case Operation::remove: return remove(r, std::get<DeleteRequest>(r.body), progress);
        case Operation::ping: return {success(r), ""};
        case Operation::pending_jobs: {
          Response out = success(r);
          out.jobs_count = pending_locked() - 1;  // not this one
          return {out, ""};
        }
        case Operation::reference_count: {
          Response out = success(r);
          const auto& b = std::get<ReferenceCountRequest>(r.body);
          out.count = b.reference_id.empty() ? static_cast<std::int64_t>(session->count())
                                             : static_cast<std::int64_t>(session->contains(b.reference_id));
          return {out, ""};
        }
      }
    } catch (const std::exception& e) {
      return {failure(r, FailureReason::internal_error), e.what()};
    }
    return {failure(r, FailureReason::unexpected_error), "unknown operation"};
  }

  std::int64_t pending_locked() {
    auto s = db.prepare("SELECT count(*) FROM jobs WHERE state='pending'");
    s.step();
    return s.integer(0);
  }

  std::string finish(const Request& r, const Outcome& o) {
    const std::string answer = encode_response(o.response);
    tx([&] {
      // The request itself is not kept once answered (its URL may carry a
      // token; a shard's may carry a whole document): the answer is.
      db.prepare("UPDATE jobs SET state='answered', answer=?, answered=?, body=x'' WHERE request_id=?")
          .bind(1, answer)
          .bind(2, now_ms())
          .bind(3, r.request_id)
          .run();
    });
    if (o.response.failure) {
      ++counters.failures;
      // For the operator: which request, which reason; never the URL or the
      // biometrics (the detail stays out of the log for that reason).
      std::cerr << "tunggald: " << request_id_of(r.op) << " " << r.request_id << ": failureReason "
                << static_cast<int>(*o.response.failure) << " (" << describe(*o.response.failure) << ")\n";
    }
    return answer;
  }

  std::string handle(std::string_view body) {
    std::lock_guard lock(mu);
    ++counters.requests;
    auto parsed = parse_request(body);
    if (auto* rej = std::get_if<Rejection>(&parsed)) {
      ++counters.failures;
      return encode_response(failure(*rej));  // nothing to record: nothing was done
    }
    const Request& r = std::get<Request>(parsed);
    // Seen before: the same answer (or, if it was cut short, finish it).
    std::string progress;
    {
      auto s = db.prepare("SELECT state, answer, progress, op FROM jobs WHERE request_id=?");
      s.bind(1, r.request_id);
      if (s.step()) {
        // The same requestId for another operation is not a re-send: it is
        // refused, and the job under that id is left alone (and its answer
        // is not handed to whoever asks with its id).
        if (s.text(3) != request_id_of(r.op)) {
          ++counters.failures;
          return encode_response(failure(r, FailureReason::invalid_request));
        }
        if (s.text(0) == "answered") {
          ++counters.replays;
          return s.text(1);
        }
        progress = s.text(2);
      } else {
        const auto sealed = vault.seal(as_bytes(body));  // the URL may carry a token
        tx([&] {
          db.prepare("INSERT INTO jobs(request_id, op, body, state, accepted) VALUES(?,?,?,'pending',?)")
              .bind(1, r.request_id)
              .bind(2, std::string(request_id_of(r.op)))
              .bind(3, std::string(sealed.begin(), sealed.end()))
              .bind(4, now_ms())
              .run();
        });
      }
    }
    return finish(r, run(r, progress));
  }
};

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::~Service() = default;

std::unique_ptr<Service> Service::open(ServiceConfig config) {
  if (config.dir.empty()) throw Error(ErrorCode::invalid_argument, "abis: no service folder");
  std::filesystem::create_directories(config.dir);
  std::filesystem::permissions(config.dir, std::filesystem::perms::owner_all);
  return std::unique_ptr<Service>(new Service(std::make_unique<Impl>(std::move(config))));
}

std::string Service::handle(std::string_view body) { return impl_->handle(body); }

std::vector<std::string> Service::resume() {
  std::vector<std::string> bodies;
  {
    std::lock_guard lock(impl_->mu);
    auto s = impl_->db.prepare("SELECT request_id, body FROM jobs WHERE state='pending' ORDER BY seq");
    while (s.step()) {
      const std::string box = s.text(1);
      const auto plain = impl_->vault.open(as_bytes(box), "job " + s.text(0));
      bodies.emplace_back(plain.begin(), plain.end());
    }
  }
  std::vector<std::string> answers;
  for (const auto& b : bodies) answers.push_back(handle(b));
  return answers;
}

std::int64_t Service::pending_jobs() const {
  std::lock_guard lock(impl_->mu);
  return impl_->pending_locked();
}

std::size_t Service::reference_count() const { return impl_->session->count(); }

ServiceCounters Service::counters() const {
  std::lock_guard lock(impl_->mu);
  return impl_->counters;
}

sdk::Session& Service::session() { return *impl_->session; }

}  // namespace tunggal::abis
