// The service: each request is first recorded in the journal (SQLite, WAL,
// synchronous=FULL) under its requestId with a digest of its body, then
// run, then its answer recorded; the answer is returned only after that.
// Work that changes the gallery records its progress first, so that a job
// found unanswered after a crash is finished the way it started (an INSERT
// whose enrolment landed answers success, not "already exists").
//
// Concurrency: the journal (one SQLite connection) is behind db_mu, held
// only for its reads and writes. Jobs that touch the gallery take a ticket
// when they are journaled and run in ticket order; a referenceURL is
// fetched before the job waits for its turn, holding no lock, so a data
// share that answers slowly delays the gallery jobs behind it (the order
// rule) but not PING, the counters or health().
#include "tunggal/abis/service.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <iostream>
#include <map>
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
    // Journals from before 2026-12-08 have no digest: their jobs replay as
    // they did (any body under the id).
    bool has_digest = false;
    {
      auto cols = db.prepare("PRAGMA table_info(jobs)");
      while (cols.step()) has_digest = has_digest || cols.text(1) == "digest";
    }
    if (!has_digest) db.exec("ALTER TABLE jobs ADD COLUMN digest TEXT");
    if (config.session.gallery.empty()) {
      // Templates sealed at rest under the service's key, as the journal is.
      config.session.gallery = config.dir / "gallery";
      if (config.session.gallery_key_file.empty()) config.session.gallery_key_file = config.dir / "secret.key";
    }
    session = std::make_unique<sdk::Session>(config.session);
    if (!config.fetch) config.fetch = curl_fetcher();
    pending = pending_in_journal();
  }

  ServiceConfig config;
  sql::Db db;
  store::Vault vault;
  std::unique_ptr<sdk::Session> session;
  mutable std::recursive_mutex db_mu;  // the journal's connection

  struct Counters {
    std::atomic<std::uint64_t> requests{0}, replays{0}, failures{0}, inserts{0}, identifies{0}, deletes{0},
        refused_reuses{0};
  } counters;
  std::atomic<std::int64_t> pending{0};  // journaled, not answered

  // The order rule for gallery jobs: tickets in journal order, run in turn.
  std::mutex order_mu;
  std::condition_variable order_cv;
  std::uint64_t next_ticket = 0, serving = 0;

  // Jobs in handle() now, by requestId: for health(), and so that a retry
  // arriving while its first copy runs waits for that answer.
  struct Flight {
    std::chrono::steady_clock::time_point since;
    std::string phase;
    std::string digest;
    std::shared_future<std::string> answer;
  };
  mutable std::mutex flight_mu;
  std::map<std::string, Flight> flights;

  template <typename F>
  auto with_db(F&& f) -> decltype(f()) {
    std::lock_guard lock(db_mu);
    return f();
  }
  template <typename F>
  auto tx(F&& f) -> decltype(f()) {
    std::lock_guard lock(db_mu);
    return db.immediate(std::forward<F>(f));
  }

  void set_phase(const std::string& request_id, const char* phase) {
    std::lock_guard lock(flight_mu);
    if (const auto it = flights.find(request_id); it != flights.end()) it->second.phase = phase;
  }

  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }

  void set_progress(const std::string& request_id, const std::string& p) {
    std::lock_guard lock(db_mu);
    db.prepare("UPDATE jobs SET progress=? WHERE request_id=?").bind(1, p).bind(2, request_id).run();
  }

  // A referenceURL through the allow-list, then the fetcher.
  FetchResult fetch(const std::string& url) const {
    if (!data_share_host_allowed(url, config.data_share_hosts))
      return FetchResult{{}, FailureReason::unable_to_fetch,
                         "the referenceURL's host is not an allowed data-share host (nothing was fetched)"};
    return config.fetch(url);
  }

  // The probe or the record to enrol, from a referenceURL.
  std::variant<PersonRecord, Outcome> biometrics(const Request& r, const std::string& url, const std::string& ref,
                                                 const std::vector<std::uint8_t>& inline_doc,
                                                 const std::optional<PersonRecord>& templates,
                                                 std::optional<FetchResult>& prefetched) {
    const auto fail = [&](FailureReason why, std::string log) { return Outcome{failure(r, why), std::move(log)}; };
    if (templates) {  // the SDK's remote mode: extracted already
      if (templates->fingers.empty() && !templates->face) return fail(FailureReason::cbeff_no_data, "tunggalRecord holds no finger and no face");
      PersonRecord rec = *templates;
      rec.id = ref;
      return rec;
    }
    FetchResult got = !inline_doc.empty() ? FetchResult{inline_doc, std::nullopt, ""}
                      : prefetched        ? std::move(*prefetched)
                                          : fetch(url);
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
    std::string box;
    {
      std::lock_guard lock(db_mu);
      auto s = db.prepare("SELECT record FROM refs WHERE ref=?");
      s.bind(1, ref);
      if (!s.step()) return std::nullopt;
      box = s.text(0);
    }
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

  Outcome insert(const Request& r, const InsertRequest& b, const std::string& progress,
                 std::optional<FetchResult>& prefetched) {
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
    auto got = biometrics(r, b.reference_url, b.reference_id, b.document, b.record, prefetched);
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

  // MOSIP's rule: a given referenceId is the probe and must have been
  // inserted (failureReason 12 otherwise, whatever referenceURL is beside
  // it); the URL is the probe only when no referenceId is given. The
  // SDK's remote mode sends its templates (or a document) inline.
  static bool identify_fetches(const IdentifyRequest& b) {
    return b.reference_id.empty() && b.document.empty() && !b.record && !b.reference_url.empty();
  }
  Outcome identify(const Request& r, const IdentifyRequest& b, std::optional<FetchResult>& prefetched) {
    PersonRecord probe;
    if (!b.reference_id.empty() && b.document.empty() && !b.record) {
      auto rec = stored(b.reference_id);
      if (!rec) return {failure(r, FailureReason::reference_id_not_found), "the probe's referenceId is not inserted"};
      probe = std::move(*rec);
    } else if (!b.reference_url.empty() || !b.document.empty() || b.record) {
      auto got = biometrics(r, b.reference_url, b.reference_id, b.document, b.record, prefetched);
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

  Outcome run(const Request& r, const std::string& progress, std::optional<FetchResult>& prefetched) {
    try {
      switch (r.op) {
        case Operation::insert: return insert(r, std::get<InsertRequest>(r.body), progress, prefetched);
        case Operation::identify: return identify(r, std::get<IdentifyRequest>(r.body), prefetched);
        case Operation::remove: return remove(r, std::get<DeleteRequest>(r.body), progress);
        case Operation::ping: return {success(r), ""};
        case Operation::pending_jobs: {
          Response out = success(r);
          out.jobs_count = std::max<std::int64_t>(0, pending.load() - 1);  // not this one
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

  std::int64_t pending_in_journal() {
    std::lock_guard lock(db_mu);
    auto s = db.prepare("SELECT count(*) FROM jobs WHERE state='pending'");
    s.step();
    return s.integer(0);
  }

  std::string finish(const Request& r, const Outcome& o) {
    const std::string answer = encode_response(o.response);
    --pending;
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

  // Whether the job touches the gallery (and so takes its turn).
  static bool ordered(Operation op) {
    return op == Operation::insert || op == Operation::identify || op == Operation::remove;
  }

  // Runs when its turn comes; advances the turn however it ends.
  struct Turn {
    Turn(Impl& i, std::uint64_t t) : impl(i), ticket(t) {}
    Turn(const Turn&) = delete;  // one turn, advanced once
    Turn& operator=(const Turn&) = delete;
    Impl& impl;
    std::uint64_t ticket;
    bool waited = false;
    void wait() {
      std::unique_lock lock(impl.order_mu);
      impl.order_cv.wait(lock, [&] { return impl.serving == ticket; });
      waited = true;
    }
    ~Turn() {
      if (!waited) wait();
      {
        std::lock_guard lock(impl.order_mu);
        ++impl.serving;
      }
      impl.order_cv.notify_all();
    }
  };

  // The journal's side of a request: a replay, a refusal, or a job to run
  // (pending row written, its progress so far, its turn if it takes one).
  struct Admission {
    std::optional<std::string> answer;  // answered already (or refused)
    std::string progress;
    std::optional<std::uint64_t> ticket;
  };

  Admission admit(const Request& r, std::string_view body, const std::string& digest) {
    std::lock_guard lock(db_mu);
    Admission a;
    auto s = db.prepare("SELECT state, answer, progress, op, digest FROM jobs WHERE request_id=?");
    s.bind(1, r.request_id);
    if (s.step()) {
      // The same requestId for another operation, or with another body, is
      // not a re-send: it is refused, and the job under that id is left
      // alone (its answer is not handed to whoever asks with its id).
      const bool other_op = s.text(3) != request_id_of(r.op);
      const std::string kept = s.text_or_null(4).value_or("");
      if (other_op || (!kept.empty() && kept != digest)) {
        ++counters.failures;
        if (!other_op) ++counters.refused_reuses;
        std::cerr << "tunggald: " << request_id_of(r.op) << " " << r.request_id
                  << ": refused: this requestId was used before for " << (other_op ? "another operation" : "another request body")
                  << "\n";
        a.answer = encode_response(failure(r, FailureReason::invalid_request));
        return a;
      }
      if (s.text(0) == "answered") {
        ++counters.replays;
        a.answer = s.text(1);
        return a;
      }
      a.progress = s.text(2);  // cut short before: finish it
    } else {
      const auto sealed = vault.seal(as_bytes(body));  // the URL may carry a token
      db.immediate([&] {
        db.prepare("INSERT INTO jobs(request_id, op, body, state, accepted, digest) VALUES(?,?,?,'pending',?,?)")
            .bind(1, r.request_id)
            .bind(2, std::string(request_id_of(r.op)))
            .bind(3, std::string(sealed.begin(), sealed.end()))
            .bind(4, now_ms())
            .bind(5, digest)
            .run();
      });
      ++pending;
    }
    if (ordered(r.op)) {
      std::lock_guard order(order_mu);
      a.ticket = next_ticket++;
    }
    return a;
  }

  // What must be fetched before the job's turn: the referenceURL of an
  // INSERT not yet begun whose referenceId is free (a refused one needs no
  // download; data shares may allow only two), or of an IDENTIFY without a
  // referenceId.
  std::optional<std::string> url_to_fetch(const Request& r, const std::string& progress) const {
    if (const auto* b = std::get_if<InsertRequest>(&r.body)) {
      if (!progress.empty() || b->reference_url.empty() || !b->document.empty() || b->record) return std::nullopt;
      const bool known = session->contains(b->reference_id);
      if (known != (b->mode == InsertMode::update)) return std::nullopt;  // fails without it
      return b->reference_url;
    }
    if (const auto* b = std::get_if<IdentifyRequest>(&r.body))
      if (identify_fetches(*b)) return b->reference_url;
    return std::nullopt;
  }

  std::string serve(const Request& r, std::string_view body, const std::string& digest) {
    Admission a = admit(r, body, digest);
    if (a.answer) return *a.answer;
    std::optional<Turn> turn;
    if (a.ticket) turn.emplace(*this, *a.ticket);
    std::optional<FetchResult> prefetched;
    if (const auto url = url_to_fetch(r, a.progress)) {
      set_phase(r.request_id, "fetching");
      prefetched = fetch(*url);
    }
    if (turn) {
      set_phase(r.request_id, "waiting");
      turn->wait();
    }
    set_phase(r.request_id, "running");
    return finish(r, run(r, a.progress, prefetched));
  }

  std::string handle(std::string_view body) {
    ++counters.requests;
    auto parsed = parse_request(body);
    if (auto* rej = std::get_if<Rejection>(&parsed)) {
      ++counters.failures;
      return encode_response(failure(*rej));  // nothing to record: nothing was done
    }
    const Request& r = std::get<Request>(parsed);
    // The digest of the request as parsed (key order and spacing aside):
    // a retry must be the same request.
    const auto canonical = nlohmann::json::parse(body, nullptr, false);
    const std::string digest = store::sha256_hex(canonical.is_discarded() ? std::string(body) : canonical.dump());
    // The same requestId already under way here: wait for its answer.
    std::promise<std::string> mine;
    std::shared_future<std::string> theirs;
    {
      std::lock_guard lock(flight_mu);
      if (const auto it = flights.find(r.request_id); it != flights.end()) {
        if (it->second.digest != digest) {
          ++counters.failures;
          ++counters.refused_reuses;
          return encode_response(failure(r, FailureReason::invalid_request));
        }
        theirs = it->second.answer;
      } else {
        flights.emplace(r.request_id, Flight{std::chrono::steady_clock::now(), "journaling", digest, mine.get_future().share()});
      }
    }
    if (theirs.valid()) {
      ++counters.replays;
      return theirs.get();
    }
    try {
      std::string answer = serve(r, body, digest);
      mine.set_value(answer);
      std::lock_guard lock(flight_mu);
      flights.erase(r.request_id);
      return answer;
    } catch (...) {
      mine.set_exception(std::current_exception());
      std::lock_guard lock(flight_mu);
      flights.erase(r.request_id);
      throw;
    }
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
    std::lock_guard lock(impl_->db_mu);
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

std::int64_t Service::pending_jobs() const { return std::max<std::int64_t>(0, impl_->pending.load()); }

std::size_t Service::reference_count() const { return impl_->session->count(); }

ServiceCounters Service::counters() const {
  const auto& c = impl_->counters;
  ServiceCounters out;
  out.requests = c.requests.load();
  out.replays = c.replays.load();
  out.failures = c.failures.load();
  out.inserts = c.inserts.load();
  out.identifies = c.identifies.load();
  out.deletes = c.deletes.load();
  out.refused_reuses = c.refused_reuses.load();
  return out;
}

ServiceHealth Service::health() const {
  ServiceHealth h;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(impl_->flight_mu);
  h.in_flight = impl_->flights.size();
  for (const auto& [id, f] : impl_->flights) {
    const double age = std::chrono::duration<double>(now - f.since).count();
    if (age >= h.oldest_seconds) {
      h.oldest_seconds = age;
      h.oldest_phase = f.phase;
    }
  }
  h.stalled = h.in_flight > 0 &&
              h.oldest_seconds * 1000.0 >= static_cast<double>(impl_->config.stall_after.count());
  return h;
}

sdk::Session& Service::session() { return *impl_->session; }

}  // namespace tunggal::abis
