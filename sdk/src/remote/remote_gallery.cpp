// Each call is one POST /abis with a fresh requestId; a call whose
// connection drops is sent again with the same requestId, which tunggald's
// journal answers once and the same way (a re-sent insert is not enrolled
// twice). Answers are parsed as outside data: a malformed one is
// Error(malformed_data) naming what is wrong.
#include "remote_gallery.h"

#include <httplib.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "tunggal/error.h"
#include "tunggal/text.h"

namespace tunggal::sdk::detail {

using Json = nlohmann::json;

namespace {

// The answer a bigger gallery gives is small; a megabyte is plenty.
constexpr std::size_t kMaxAnswerBytes = 4u << 20;

std::string read_token(const std::filesystem::path& file) {
  if (file.empty()) throw Error(ErrorCode::invalid_argument, "session: a daemon needs daemon_token_file (its bearer token)");
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw Error(ErrorCode::not_found, "session: no token file " + file.string());
  if ((st.st_mode & 077) != 0)
    throw Error(ErrorCode::invalid_argument, "session: the token file " + file.string() + " is readable by others (chmod 600)");
  std::ifstream in(file);
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t')) token.pop_back();
  if (token.empty()) throw Error(ErrorCode::invalid_argument, "session: the token file " + file.string() + " is empty");
  return token;
}

// 128 random bits as a UUID (version 4), MOSIP's form of a requestId.
std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xF000ull) | 0x4000ull;
  lo = (lo & ~(3ull << 62)) | (2ull << 62);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

std::string request_time() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t t = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", date, static_cast<int>(ms));
  return out;
}

// MOSIP's targetFPIR (-10 log10 FPIR), with every digit, from a rate or
// from the convention itself (>= 1).
std::string target_flag(double fpir) {
  const double v = fpir >= 1 ? fpir : -10.0 * std::log10(fpir);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

struct BadAnswer {
  std::string what;
};

const std::string& str(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) throw BadAnswer{std::string(key) + " is missing or not a string"};
  return it->get_ref<const std::string&>();
}

double num(const Json& j, const char* key) {
  const std::string& s = str(j, key);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) throw BadAnswer{std::string(key) + " '" + s + "' is not a number"};
  return v;
}

std::size_t count_of(const Json& j, const char* key) {
  const double v = num(j, key);
  if (v < 0 || v != std::floor(v) || v > 1e15) throw BadAnswer{std::string(key) + " is not a count"};
  return static_cast<std::size_t>(v);
}

Candidate candidate(const Json& j) {
  if (!j.is_object()) throw BadAnswer{"a candidate is not an object"};
  Candidate c;
  c.ref = str(j, "referenceId");
  c.score = num(j, "score");
  if (j.contains("fingers")) c.fingers = num(j, "fingers");
  if (j.contains("face")) c.face = num(j, "face");
  c.fingers_compared = static_cast<int>(count_of(j, "fingersCompared"));
  return c;
}

DedupDecision decision(const Json& answer) {
  const auto it = answer.find("tunggalDecision");
  if (it == answer.end() || !it->is_object()) throw BadAnswer{"tunggalDecision is missing (is the daemon older than this SDK?)"};
  const Json& t = *it;
  DedupDecision d;
  const std::string& kind = str(t, "decision");
  if (kind != "duplicate" && kind != "unique") throw BadAnswer{"decision '" + kind + "'"};
  d.decision = kind == "duplicate" ? Decision::duplicate : Decision::unique;
  d.threshold = num(t, "threshold");
  d.searched = count_of(t, "searched");
  d.matched = count_of(t, "matched");
  d.finger_comparisons = count_of(t, "fingerComparisons");
  d.index_entries = count_of(t, "indexEntries");
  const auto list = t.find("candidates");
  if (list == t.end() || !list->is_array()) throw BadAnswer{"candidates is not a list"};
  for (const auto& c : *list) d.candidates.push_back(candidate(c));
  if (const auto b = t.find("best"); b != t.end()) d.best = candidate(*b);
  return d;
}

}  // namespace

struct RemoteGallery::Impl {
  std::string address, token;
  SessionConfig config;

  std::unique_ptr<httplib::Client> client() const {
    std::unique_ptr<httplib::Client> c;
    if (!config.daemon_client_cert.empty())
      c = std::make_unique<httplib::Client>(address, config.daemon_client_cert.string(), config.daemon_client_key.string());
    else
      c = std::make_unique<httplib::Client>(address);
    if (!c->is_valid()) throw Error(ErrorCode::invalid_argument, "session: the daemon address '" + address + "' is not usable");
    if (address.rfind("https://", 0) == 0) {
      c->enable_server_certificate_verification(true);
      if (!config.daemon_ca_file.empty()) c->set_ca_cert_path(config.daemon_ca_file.c_str());
    }
    const auto to = std::chrono::milliseconds(static_cast<long long>(config.daemon_timeout_seconds * 1000));
    c->set_connection_timeout(std::min(to, std::chrono::milliseconds(10000)));
    c->set_read_timeout(to);
    c->set_write_timeout(to);
    c->set_bearer_token_auth(token);
    c->set_keep_alive(false);
    return c;
  }

  // One operation: the request completed with MOSIP's envelope, sent (again
  // on a lost connection, with the same requestId) and its answer parsed.
  Json call(const char* id, Json request) const {
    request["id"] = id;
    request["version"] = "1.1";
    request["requestId"] = new_request_id();
    request["requesttime"] = request_time();
    const std::string body = request.dump();
    std::string last;
    const int attempts = std::max(1, config.daemon_attempts);
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200 << std::min(attempt, 6)));
      auto res = client()->Post("/abis", body, "application/json");
      if (!res) {
        last = "cannot reach it (" + httplib::to_string(res.error()) + ")";
        continue;
      }
      if (res->status == 401 || res->status == 403)
        throw Error(ErrorCode::denied, "tunggald at " + address + " refused this caller (HTTP " + std::to_string(res->status) +
                                           "): check daemon_token_file and the token's operations");
      if (res->status >= 500) {
        last = "it answered HTTP " + std::to_string(res->status);
        continue;
      }
      if (res->status != 200) throw Error(ErrorCode::io, "tunggald at " + address + " answered HTTP " + std::to_string(res->status));
      if (res->body.size() > kMaxAnswerBytes) throw Error(ErrorCode::limit_exceeded, "tunggald at " + address + ": the answer is too large");
      Json answer = Json::parse(res->body, nullptr, /*allow_exceptions=*/false);
      if (answer.is_discarded() || !answer.is_object())
        throw Error(ErrorCode::malformed_data, "tunggald at " + address + ": the answer is not a JSON object");
      return answer;
    }
    throw Error(ErrorCode::io, "tunggald at " + address + ": " + last + " after " + std::to_string(attempts) + " attempts");
  }

  // The failureReason of a failed answer (0: success).
  static int failure(const Json& answer) {
    if (str(answer, "returnValue") == "1") return 0;
    const double r = num(answer, "failureReason");
    return r >= 1 ? static_cast<int>(r) : 1;
  }

  [[noreturn]] void fail(const char* what, const std::string& ref, int reason) const {
    const std::string who = "tunggald at " + address + ": " + what + (ref.empty() ? "" : " " + ref) + ": ";
    switch (reason) {
      case 10: throw Error(ErrorCode::invalid_argument, who + "the reference id is already enrolled");
      case 12: throw Error(ErrorCode::not_found, who + "the reference id is not enrolled");
      case 2: throw Error(ErrorCode::busy, who + "aborted (a shard or the daemon gave up): try again");
      case 4: case 5: case 6: case 9: case 11: case 13: case 14: case 15: case 16:
        throw Error(ErrorCode::invalid_argument, who + "the daemon refused the request (failureReason " + std::to_string(reason) + ")");
      default: throw Error(ErrorCode::internal, who + "failureReason " + std::to_string(reason) + " (see the daemon's log)");
    }
  }

  template <typename F>
  auto parsed(F&& f) const -> decltype(f()) {
    try {
      return f();
    } catch (const BadAnswer& b) {
      throw Error(ErrorCode::malformed_data, "tunggald at " + address + ": a malformed answer: " + b.what);
    }
  }

  Json with_record(const PersonRecord& r) const {
    Json j;
    const auto bytes = encode_person_record(r);  // validates it before anything is sent
    j["tunggalRecord"] = encode_base64(bytes);
    return j;
  }

  static Json flags(const IdentifyOptions& o) {
    const IdentifyOptions def;
    if (o.shortlist_min != def.shortlist_min || o.shortlist_share != def.shortlist_share || !o.use_fingers || !o.use_face)
      throw Error(ErrorCode::unsupported, "session: the daemon shortlists with its own settings (shortlist and modality options are embedded-only)");
    return {{"maxResults", std::to_string(o.max_results)},
            {"targetFPIR", target_flag(o.target_fpir)},
            {"tunggalExhaustive", o.exhaustive ? "true" : "false"}};
  }

  void put(const PersonRecord& r, const char* mode) {
    if (r.id.empty()) throw Error(ErrorCode::invalid_argument, "session: a record to enrol needs its reference id");
    Json j = with_record(r);
    j["referenceId"] = r.id;
    j["tunggalMode"] = mode;
    const Json a = call("mosip.abis.insert", std::move(j));
    if (const int why = parsed([&] { return failure(a); })) fail(mode, r.id, why);
  }
};

RemoteGallery::RemoteGallery(const SessionConfig& config) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.config = config;
  m.address = config.daemon;
  while (!m.address.empty() && m.address.back() == '/') m.address.pop_back();
  if (m.address.rfind("http://", 0) != 0 && m.address.rfind("https://", 0) != 0)
    throw Error(ErrorCode::invalid_argument, "session: the daemon address '" + config.daemon + "' is not http://HOST:PORT or https://HOST:PORT");
  if (m.address.find('/', m.address.find("//") + 2) != std::string::npos)
    throw Error(ErrorCode::invalid_argument, "session: the daemon address '" + config.daemon + "' has a path (give scheme, host and port)");
  if (!(config.daemon_timeout_seconds > 0)) throw Error(ErrorCode::invalid_argument, "session: daemon_timeout_seconds must be positive");
  if (config.daemon_client_cert.empty() != config.daemon_client_key.empty())
    throw Error(ErrorCode::invalid_argument, "session: a client certificate needs its key, and a key its certificate");
  m.token = read_token(config.daemon_token_file);
}

RemoteGallery::~RemoteGallery() = default;

void RemoteGallery::insert(const PersonRecord& record) { impl_->put(record, "insert"); }
void RemoteGallery::update(const PersonRecord& record) { impl_->put(record, "update"); }

DedupDecision RemoteGallery::deduplicate(const PersonRecord& record, const IdentifyOptions& options) {
  if (record.id.empty()) throw Error(ErrorCode::invalid_argument, "session: a record to deduplicate needs its reference id");
  if (!options.restrict_to.empty())
    throw Error(ErrorCode::unsupported, "session: a deduplication searches everyone (restrict_to is for identify)");
  Json j = impl_->with_record(record);
  j["referenceId"] = record.id;
  j["tunggalMode"] = "deduplicate";
  j["flags"] = Impl::flags(options);
  const Json a = impl_->call("mosip.abis.insert", std::move(j));
  return impl_->parsed([&] {
    if (const int why = Impl::failure(a)) impl_->fail("deduplicate", record.id, why);
    return decision(a);
  });
}

DedupDecision RemoteGallery::identify(const PersonRecord& probe, const IdentifyOptions& options) const {
  // No referenceId: the embedded call does not leave the probe's own id out either.
  Json j = impl_->with_record(probe);
  j["flags"] = Impl::flags(options);
  if (!options.restrict_to.empty()) {
    Json ids = Json::array();
    for (const auto& id : options.restrict_to) ids.push_back({{"referenceId", id}});
    j["gallery"] = {{"referenceIds", std::move(ids)}};
  }
  const Json a = impl_->call("mosip.abis.identify", std::move(j));
  return impl_->parsed([&] {
    if (const int why = Impl::failure(a)) impl_->fail("identify", probe.id, why);
    return decision(a);
  });
}

bool RemoteGallery::remove(const std::string& id) {
  const Json a = impl_->call("mosip.abis.delete", {{"referenceId", id}});
  return impl_->parsed([&] {
    const int why = Impl::failure(a);
    if (why == 12) return false;
    if (why) impl_->fail("remove", id, why);
    return true;
  });
}

std::size_t RemoteGallery::count() const {
  const Json a = impl_->call("mosip.abis.referenceCount", Json::object());
  return impl_->parsed([&] {
    if (const int why = Impl::failure(a)) impl_->fail("count", "", why);
    return count_of(a, "count");
  });
}

bool RemoteGallery::contains(const std::string& id) const {
  const Json a = impl_->call("mosip.abis.referenceCount", {{"tunggalReferenceId", id}});
  return impl_->parsed([&] {
    if (const int why = Impl::failure(a)) impl_->fail("contains", id, why);
    return count_of(a, "count") > 0;
  });
}

}  // namespace tunggal::sdk::detail
