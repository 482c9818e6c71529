#include "tunggal/abis/coordinator.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "tunggal/abis/cbeff.h"
#include "tunggal/error.h"
#include "tunggal/store/sqlite.h"
#include "tunggal/store/vault.h"

namespace tunggal::abis {

using Json = nlohmann::json;
namespace sql = store::sql;

int shard_of(std::string_view id, int shards) noexcept {
  std::uint64_t h = 1469598103934665603ull;
  for (const unsigned char c : id) h = (h ^ c) * 1099511628211ull;
  return static_cast<int>(h % static_cast<std::uint64_t>(std::max(1, shards)));
}

namespace {

// A shard's answer, read defensively: a field that is missing or not a
// string reads as "" (a shard is ours, but its queue is open to whoever can
// send to it).
std::string field(const Json& a, const char* key) {
  if (!a.is_object()) return "";
  const auto it = a.find(key);
  return it != a.end() && it->is_string() ? it->get<std::string>() : "";
}
std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

struct Coordinator::Impl {
  CoordinatorConfig config;
  sql::Db db;
  store::Vault vault;
  std::uint64_t serial = 0;

  explicit Impl(CoordinatorConfig c) : config(std::move(c)), db(prepare(config.dir) / "docs.db"), vault(config.dir) {
    db.exec("PRAGMA synchronous=FULL");
    db.exec("CREATE TABLE IF NOT EXISTS docs(ref TEXT PRIMARY KEY, doc BLOB NOT NULL, request_id TEXT NOT NULL)");
    // The document goes to the shard inline (base64, a third larger), inside
    // the request and frame limits.
    if (!config.fetch) config.fetch = curl_fetcher(FetchLimits{std::chrono::seconds(5), std::chrono::seconds(30), 16u << 20});
  }
  static std::filesystem::path prepare(const std::filesystem::path& d) {
    std::filesystem::create_directories(d);
    std::filesystem::permissions(d, std::filesystem::perms::owner_all);
    return d;
  }

  std::string in_queue(int k) const { return config.shard_prefix + "-" + std::to_string(k); }
  std::string out_queue(int k) const { return config.shard_prefix + "-" + std::to_string(k) + "-out"; }

  std::optional<std::pair<std::vector<std::uint8_t>, std::string>> stored(const std::string& ref) {
    auto s = db.prepare("SELECT doc, request_id FROM docs WHERE ref=?");
    s.bind(1, ref);
    if (!s.step()) return std::nullopt;
    const std::string box = s.text(0);
    return std::pair{vault.open(std::vector<std::uint8_t>(box.begin(), box.end()), "the document of " + ref), s.text(1)};
  }

  // The document MOSIP points at, fetched once (and decrypted).
  std::variant<std::vector<std::uint8_t>, FailureReason> fetch(const std::string& url) {
    if (!data_share_host_allowed(url, config.data_share_hosts)) {
      std::cerr << "tunggald: coordinator: the referenceURL's host is not an allowed data-share host\n";
      return FailureReason::unable_to_fetch;
    }
    auto got = config.fetch(url);
    if (got.failure) return *got.failure;
    const auto first = std::find_if(got.body.begin(), got.body.end(), [](std::uint8_t c) { return c > ' ' && c < 0x80; });
    if (first != got.body.end() && *first != '<') {
      if (!config.partner_key) return FailureReason::invalid_cbeff;
      try {
        got.body = config.partner_key->decrypt(got.body);
      } catch (const Error&) {
        return FailureReason::invalid_cbeff;
      }
    }
    return std::move(got.body);
  }

  // Sends one request to each shard in `to` and collects their answers by
  // requestId; none when one did not come in time.
  std::optional<std::map<int, Json>> ask(StompClient& shards, const std::map<int, std::string>& to) {
    std::map<int, std::string> want;
    for (const auto& [k, body] : to) {
      shards.send(in_queue(k), body, false);
      want[k] = Json::parse(body)["requestId"];
    }
    std::map<int, Json> got;
    const auto until = std::chrono::steady_clock::now() + config.shard_timeout;
    while (got.size() < want.size() && std::chrono::steady_clock::now() < until) {
      auto m = shards.receive(std::chrono::milliseconds(100));
      if (!m || m->command != "MESSAGE") continue;
      shards.ack(*m);
      const std::string* dest = m->header("destination");
      const Json a = Json::parse(m->body, nullptr, false);
      if (!dest || !a.is_object()) continue;
      for (const auto& [k, rid] : want)
        if (*dest == "/queue/" + out_queue(k) && field(a, "requestId") == rid) got[k] = a;  // else: stale, from an earlier run
    }
    if (got.size() < want.size()) return std::nullopt;
    return got;
  }

  std::string unique_id(const std::string& base, const char* what) {
    return base + "#" + what + "#" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "-" +
           std::to_string(++serial);
  }

  std::map<int, std::string> to_all(const std::string& op, const std::string& base) {
    std::map<int, std::string> to;
    for (int k = 0; k < config.shards; ++k) {
      Json j = {{"id", "mosip.abis." + op}, {"version", "1.1"}, {"requestId", unique_id(base, op.c_str())},
                {"requesttime", utc_timestamp()}};
      to[k] = j.dump();
    }
    return to;
  }

  std::string answer(StompClient& shards, const std::string& body) {
    auto parsed = parse_request(body);
    if (auto* rej = std::get_if<Rejection>(&parsed)) return encode_response(failure(*rej));
    const Request& r = std::get<Request>(parsed);
    if (uses_sdk_extensions(r)) {
      // Templates sent by the SDK are routed by no one yet: talk to a single
      // tunggald (or a shard) for the SDK's remote mode.
      std::cerr << "tunggald coordinator: " << r.request_id << ": the SDK's remote-mode extensions are not routed to shards\n";
      return encode_response(failure(r, FailureReason::invalid_request));
    }
    const auto timeout = [&](const char* what) {
      std::cerr << "tunggald coordinator: a shard did not answer " << what << " in time\n";
      return encode_response(failure(r, FailureReason::aborted));
    };
    Json j = Json::parse(body);
    switch (r.op) {
      case Operation::ping: return encode_response(success(r));
      case Operation::pending_jobs:
      case Operation::reference_count: {
        const bool pending = r.op == Operation::pending_jobs;
        const auto got = ask(shards, to_all(pending ? "pendingJobs" : "referenceCount", r.request_id));
        if (!got) return timeout("a count");
        std::int64_t sum = 0;
        for (const auto& [k, a] : *got) {
          const auto n = number(field(a, pending ? "jobscount" : "count"));
          if (field(a, "returnValue") != "1" || !n) return timeout("a count (a shard answered without one)");
          sum += static_cast<std::int64_t>(*n);
        }
        Response out = success(r);
        (pending ? out.jobs_count : out.count) = sum;
        return encode_response(out);
      }
      case Operation::insert: {
        const auto& b = std::get<InsertRequest>(r.body);
        std::vector<std::uint8_t> doc = b.document;
        if (doc.empty()) {
          // A re-sent INSERT: the document fetched the first time (the data
          // share may allow only two downloads).
          if (auto s = stored(b.reference_id); s && s->second == r.request_id) doc = std::move(s->first);
        }
        if (doc.empty()) {
          auto f = fetch(b.reference_url);
          if (auto* why = std::get_if<FailureReason>(&f)) return encode_response(failure(r, *why));
          doc = std::move(std::get<std::vector<std::uint8_t>>(f));
          if (!stored(b.reference_id)) {
            const auto sealed = vault.seal(doc);
            db.immediate([&] {
              db.prepare("INSERT OR REPLACE INTO docs(ref, doc, request_id) VALUES(?,?,?)")
                  .bind(1, b.reference_id)
                  .bind(2, std::string(sealed.begin(), sealed.end()))
                  .bind(3, r.request_id)
                  .run();
            });
          }
        }
        j["tunggalDocument"] = encode_base64(doc);
        const int k = shard_of(b.reference_id, config.shards);
        const auto got = ask(shards, {{k, j.dump()}});
        // No answer in time: the shard may still enrol; the request is not
        // acked, comes again, and the shard answers it from its journal.
        if (!got) throw Error(ErrorCode::io, "shard " + std::to_string(k) + " did not answer an INSERT in time");
        const Json& a = got->at(k);
        // A failed insert keeps no document (unless the reference exists: then it is that one's).
        if (field(a, "returnValue") != "1" && field(a, "failureReason") != "10")
          db.immediate([&] {
            db.prepare("DELETE FROM docs WHERE ref=? AND request_id=?").bind(1, b.reference_id).bind(2, r.request_id).run();
          });
        return a.dump();
      }
      case Operation::remove: {
        const auto& b = std::get<DeleteRequest>(r.body);
        const int k = shard_of(b.reference_id, config.shards);
        const auto got = ask(shards, {{k, body}});
        if (!got) throw Error(ErrorCode::io, "shard " + std::to_string(k) + " did not answer a DELETE in time");
        if (field(got->at(k), "returnValue") == "1")
          db.immediate([&] { db.prepare("DELETE FROM docs WHERE ref=?").bind(1, b.reference_id).run(); });
        return got->at(k).dump();
      }
      case Operation::identify: {
        const auto& b = std::get<IdentifyRequest>(r.body);
        // As a single node does (MOSIP's rule): a given referenceId is the
        // probe and must have been inserted; the URL only without one.
        std::vector<std::uint8_t> doc = b.document;
        if (doc.empty() && !b.reference_id.empty()) {
          if (auto s = stored(b.reference_id)) doc = std::move(s->first);
          else return encode_response(failure(r, FailureReason::reference_id_not_found));
        }
        if (doc.empty() && !b.reference_url.empty()) {
          auto f = fetch(b.reference_url);
          if (auto* why = std::get_if<FailureReason>(&f)) return encode_response(failure(r, *why));
          doc = std::move(std::get<std::vector<std::uint8_t>>(f));
        }
        if (doc.empty()) return encode_response(failure(r, FailureReason::reference_id_not_found));
        // Each shard's share of the gallery searched.
        std::map<int, double> share;
        double total = 0;
        if (b.gallery) {
          for (const auto& id : *b.gallery) share[shard_of(id, config.shards)] += 1;
        } else {
          const auto counts = ask(shards, to_all("referenceCount", r.request_id));
          if (!counts) return timeout("a count");
          for (const auto& [k, a] : *counts) {
            const auto n = number(field(a, "count"));
            if (field(a, "returnValue") != "1" || !n) return timeout("a count (a shard answered without one)");
            share[k] = *n;
          }
        }
        for (const auto& [k, n] : share) total += n;
        Response out = success(r);
        out.candidates.emplace();
        if (total == 0) return encode_response(out);
        const double fpir = b.target_fpir.value_or(1e-3);
        const int max_results = b.max_results.value_or(10);
        std::map<int, std::string> to;
        j["tunggalDocument"] = encode_base64(doc);
        j.erase("referenceURL");
        j.erase("referenceUrl");
        for (const auto& [k, n] : share) {
          if (n <= 0) continue;
          Json q = j;
          q["flags"] = {{"maxResults", std::to_string(max_results)},
                        {"targetFPIR", std::to_string(std::clamp(-10.0 * std::log10(fpir * n / total), 0.0, 200.0))}};
          to[k] = q.dump();
        }
        const auto got = ask(shards, to);
        if (!got) return timeout("an IDENTIFY");
        for (const auto& [k, a] : *got) {
          if (field(a, "returnValue") != "1") {
            if (!field(a, "failureReason").empty()) return a.dump();  // the same failure everywhere (the probe's)
            return timeout("an IDENTIFY (a shard's answer did not read)");
          }
          const Json* cands = nullptr;
          if (const auto list = a.find("candidateList"); list != a.end() && list->is_object())
            if (const auto it = list->find("candidates"); it != list->end() && it->is_array()) cands = &*it;
          if (!cands) return timeout("an IDENTIFY (a shard's answer had no candidateList)");
          for (const auto& c : *cands) {
            const auto an = c.is_object() ? c.find("analytics") : c.end();
            const auto score = an != c.end() ? number(field(*an, "internalScore")) : std::nullopt;
            if (!score || field(c, "referenceId").empty()) return timeout("an IDENTIFY (a candidate did not read)");
            ResponseCandidate rc{field(c, "referenceId"), *score, {}};
            if (const auto mods = c.find("modalities"); mods != c.end() && mods->is_array())
              for (const auto& m : *mods) {
                const auto ma = m.is_object() ? m.find("analytics") : m.end();
                const auto ms = ma != m.end() ? number(field(*ma, "internalScore")) : std::nullopt;
                if (ms) rc.modalities.push_back({field(m, "biometricType"), *ms});
              }
            out.candidates->push_back(std::move(rc));
          }
        }
        std::stable_sort(out.candidates->begin(), out.candidates->end(),
                         [](const ResponseCandidate& x, const ResponseCandidate& y) { return x.score > y.score; });
        if (out.candidates->size() > static_cast<std::size_t>(max_results)) out.candidates->resize(static_cast<std::size_t>(max_results));
        return encode_response(out);
      }
    }
    return encode_response(failure(r, FailureReason::unexpected_error));
  }
};

Coordinator::Coordinator(CoordinatorConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {
  if (impl_->config.shards < 1 || impl_->config.shards > 1024)
    throw Error(ErrorCode::invalid_argument, "coordinator: 1-1024 shards");
}
Coordinator::~Coordinator() = default;

void Coordinator::run(const std::atomic<bool>& stop) {
  auto& m = *impl_;
  const auto& b = m.config.broker;
  auto backoff = std::chrono::milliseconds(200);
  while (!stop) {
    try {
      StompClient mosip(b.host, b.port, b.user, b.password);
      StompClient shards(b.host, b.port, b.user, b.password);
      for (int k = 0; k < m.config.shards; ++k) shards.subscribe(m.out_queue(k), "s" + std::to_string(k));
      mosip.subscribe(b.inbound);
      backoff = std::chrono::milliseconds(200);
      while (!stop) {
        auto msg = mosip.receive(std::chrono::milliseconds(200));
        if (!msg || msg->command != "MESSAGE") continue;
        const bool bytes = msg->header("content-length") != nullptr;
        const std::string reply = m.answer(shards, msg->body);
        mosip.send(b.outbound, reply, bytes);
        mosip.ack(*msg);
      }
    } catch (const std::exception& e) {
      if (stop) break;
      std::cerr << "tunggald coordinator: " << e.what() << "; connecting again in " << backoff.count() << " ms\n";
      const auto until = std::chrono::steady_clock::now() + backoff;
      while (!stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      backoff = std::min(b.max_backoff, backoff * 2);
    }
  }
}

}  // namespace tunggal::abis
