#include "tunggal/abis/protocol.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "tunggal/abis/cbeff.h"
#include "tunggal/error.h"

namespace tunggal::abis {

using Json = nlohmann::json;

namespace {

constexpr std::pair<Operation, std::string_view> kIds[] = {
    {Operation::insert, "mosip.abis.insert"},
    {Operation::identify, "mosip.abis.identify"},
    {Operation::remove, "mosip.abis.delete"},
    {Operation::ping, "mosip.abis.ping"},
    {Operation::pending_jobs, "mosip.abis.pendingJobs"},
    {Operation::reference_count, "mosip.abis.referenceCount"},
};

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// yyyy-MM-ddTHH:mm:ss[.fraction]Z, a real date and time.
bool valid_time(std::string_view t) {
  const auto digits = [&](std::size_t at, std::size_t n, int& v) {
    if (at + n > t.size()) return false;
    v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      v = v * 10 + (t[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, s;
  if (!digits(0, 4, y) || t.size() < 20 || t[4] != '-' || !digits(5, 2, mo) || t[7] != '-' || !digits(8, 2, d) ||
      t[10] != 'T' || !digits(11, 2, h) || t[13] != ':' || !digits(14, 2, mi) || t[16] != ':' || !digits(17, 2, s))
    return false;
  std::size_t at = 19;
  if (at < t.size() && t[at] == '.') {
    const std::size_t from = ++at;
    while (at < t.size() && t[at] >= '0' && t[at] <= '9') ++at;
    if (at == from || at - from > 9) return false;
  }
  if (at + 1 != t.size() || t[at] != 'Z') return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || mo < 1 || mo > 12 || d < 1) return false;
  if (d > kDays[mo - 1] + (mo == 2 && leap(y))) return false;
  return h < 24 && mi < 60 && s < 60;
}

struct Reject {
  FailureReason reason;
  std::string message;
};

// A string field: absent (or null) gives "", a non-string is a structure error.
std::string text(const Json& j, const char* key, std::size_t max) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (!it->is_string()) throw Reject{FailureReason::invalid_request, std::string(key) + " is not a string"};
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max) throw Reject{FailureReason::invalid_request, std::string(key) + " is longer than " + std::to_string(max)};
  for (const unsigned char c : s)
    if (c < 0x20 || c == 0x7f) throw Reject{FailureReason::invalid_request, std::string(key) + " holds a control character"};
  return s;
}

// A flag MOSIP may send as a string or a number.
std::optional<double> number_flag(const Json& flags, const char* key) {
  const auto it = flags.find(key);
  if (it == flags.end() || it->is_null()) return std::nullopt;
  double v = 0;
  if (it->is_number()) {
    v = it->get<double>();
  } else if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) throw Reject{FailureReason::invalid_request, std::string("flags.") + key + " '" + s + "' is not a number"};
  } else {
    throw Reject{FailureReason::invalid_request, std::string("flags.") + key + " is neither a string nor a number"};
  }
  if (!std::isfinite(v)) throw Reject{FailureReason::invalid_request, std::string("flags.") + key + " is not finite"};
  return v;
}

Request parse(const Json& j, Rejection& seen) {
  if (!j.is_object()) throw Reject{FailureReason::invalid_request, "the request is not a JSON object"};
  Request r;
  // What can be echoed, read first and leniently.
  if (const auto it = j.find("requestId"); it != j.end() && it->is_string() && it->get_ref<const std::string&>().size() <= kMaxIdLength)
    seen.request_id = it->get<std::string>();
  if (const auto it = j.find("id"); it != j.end() && it->is_string() && it->get_ref<const std::string&>().size() <= kMaxIdLength)
    seen.id = it->get<std::string>();
  r.id = text(j, "id", kMaxIdLength);
  bool known = false;
  for (const auto& [op, name] : kIds)
    if (r.id == name) {
      r.op = op;
      known = true;
    }
  if (!known) throw Reject{FailureReason::invalid_id, r.id.empty() ? "no id" : "unknown id '" + r.id + "'"};
  seen.op = r.op;
  r.request_id = text(j, "requestId", kMaxIdLength);
  if (r.request_id.empty()) throw Reject{FailureReason::missing_request_id, "no requestId"};
  r.version = text(j, "version", 16);
  if (r.version != "1.1") throw Reject{FailureReason::invalid_version, "version '" + r.version + "' (1.1 is served)"};
  r.request_time = text(j, "requesttime", 64);
  if (r.request_time.empty()) throw Reject{FailureReason::missing_request_time, "no requesttime"};
  if (!valid_time(r.request_time))
    throw Reject{FailureReason::invalid_request_time, "requesttime '" + r.request_time + "' is not yyyy-MM-ddTHH:mm:ss.SSSZ"};
  // A referenceId names a person in the gallery: the engine's rule (1-64
  // printable ASCII, no space) is checked here, before anything is fetched
  // (a data share may allow only two downloads).
  const auto checked_reference = [](std::string id, const char* key) {
    if (!id.empty() && !is_valid_record_id(id))
      throw Reject{FailureReason::invalid_request,
                   std::string(key) + " must be 1-" + std::to_string(kMaxRecordIdLength) +
                       " printable ASCII characters without spaces"};
    return id;
  };
  const auto reference_id = [&] {
    std::string id = checked_reference(text(j, "referenceId", kMaxIdLength), "referenceId");
    if (id.empty()) throw Reject{FailureReason::missing_reference_id, "no referenceId"};
    return id;
  };
  const auto inline_document = [&] {
    std::vector<std::uint8_t> doc;
    const auto it = j.find("tunggalDocument");
    if (it == j.end() || it->is_null()) return doc;
    if (!it->is_string()) throw Reject{FailureReason::invalid_request, "tunggalDocument is not a string"};
    try {
      doc = decode_base64(it->get_ref<const std::string&>());
    } catch (const Error& e) {
      throw Reject{FailureReason::invalid_cbeff, std::string("tunggalDocument: ") + e.what()};
    }
    return doc;
  };
  const auto inline_record = [&]() -> std::optional<PersonRecord> {
    const auto it = j.find("tunggalRecord");
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) throw Reject{FailureReason::invalid_request, "tunggalRecord is not a string"};
    try {
      return decode_person_record(decode_base64(it->get_ref<const std::string&>()));
    } catch (const Error& e) {
      throw Reject{FailureReason::invalid_cbeff, std::string("tunggalRecord: ") + e.what()};
    }
  };
  const auto read_flags = [&](SearchFlags& b) {
    if (const auto f = j.find("flags"); f != j.end() && !f->is_null()) {
      if (!f->is_object()) throw Reject{FailureReason::invalid_request, "flags is not an object"};
      if (const auto m = number_flag(*f, "maxResults")) {
        if (*m < 1 || *m > 1000 || *m != std::floor(*m))
          throw Reject{FailureReason::invalid_request, "flags.maxResults must be a whole number 1-1000"};
        b.max_results = static_cast<int>(*m);
      }
      if (const auto t = number_flag(*f, "targetFPIR")) {
        if (*t <= 0 || *t > 200) throw Reject{FailureReason::invalid_request, "flags.targetFPIR must lie in (0, 200]"};
        b.target_fpir = fpir_of_target(*t);
      }
      const std::string ex = text(*f, "tunggalExhaustive", 8);
      if (!ex.empty() && ex != "true" && ex != "false")
        throw Reject{FailureReason::invalid_request, "flags.tunggalExhaustive must be \"true\" or \"false\""};
      b.exhaustive = ex == "true";
    }
  };
  const auto url = [&] {
    std::string u = text(j, "referenceURL", kMaxUrlLength);
    if (u.empty()) u = text(j, "referenceUrl", kMaxUrlLength);
    return u;
  };
  switch (r.op) {
    case Operation::insert: {
      InsertRequest b;
      b.reference_id = reference_id();
      b.reference_url = url();
      b.document = inline_document();
      b.record = inline_record();
      if (b.record) b.record->id = b.reference_id;
      const std::string mode = text(j, "tunggalMode", 32);
      if (mode == "update") b.mode = InsertMode::update;
      else if (mode == "deduplicate") b.mode = InsertMode::deduplicate;
      else if (!mode.empty() && mode != "insert")
        throw Reject{FailureReason::invalid_request, "tunggalMode '" + mode + "' (insert, update or deduplicate)"};
      if (b.mode != InsertMode::insert && !b.record)
        throw Reject{FailureReason::invalid_request, "tunggalMode " + mode + " needs tunggalRecord"};
      if (b.mode == InsertMode::deduplicate) read_flags(b);  // MOSIP's INSERT has none: not looked at
      if (b.reference_url.empty() && b.document.empty() && !b.record)
        throw Reject{FailureReason::missing_reference_url, "no referenceURL"};
      r.body = std::move(b);
      break;
    }
    case Operation::identify: {
      // referenceId may be left out when the probe comes by URL.
      IdentifyRequest b;
      b.reference_id = checked_reference(text(j, "referenceId", kMaxIdLength), "referenceId");
      b.reference_url = url();
      b.document = inline_document();
      b.record = inline_record();
      if (b.reference_id.empty() && b.reference_url.empty() && b.document.empty() && !b.record)
        throw Reject{FailureReason::missing_reference_id, "no referenceId (and no referenceURL)"};
      if (const auto g = j.find("gallery"); g != j.end() && !g->is_null()) {
        if (!g->is_object()) throw Reject{FailureReason::invalid_request, "gallery is not an object"};
        const auto ids = g->find("referenceIds");
        if (ids != g->end() && !ids->is_null()) {
          if (!ids->is_array()) throw Reject{FailureReason::invalid_request, "gallery.referenceIds is not an array"};
          if (ids->size() > kMaxGallery) throw Reject{FailureReason::invalid_request, "gallery.referenceIds is too long"};
          std::vector<std::string> list;
          for (const auto& e : *ids) {
            // {"referenceId": "..."} as MOSIP sends it; a bare string too.
            std::string id = e.is_string() ? e.get<std::string>() : e.is_object() ? text(e, "referenceId", kMaxIdLength) : "";
            if (id.empty() || id.size() > kMaxIdLength)
              throw Reject{FailureReason::invalid_request, "gallery.referenceIds holds an entry without a referenceId"};
            checked_reference(id, "gallery.referenceIds entry");
            list.push_back(std::move(id));
          }
          b.gallery = std::move(list);
        }
      }
      read_flags(b);
      r.body = std::move(b);
      break;
    }
    case Operation::remove: r.body = DeleteRequest{reference_id()}; break;
    case Operation::ping: r.body = PingRequest{}; break;
    case Operation::pending_jobs: r.body = PendingJobsRequest{}; break;
    case Operation::reference_count:
      r.body = ReferenceCountRequest{checked_reference(text(j, "tunggalReferenceId", kMaxIdLength), "tunggalReferenceId")};
      break;
  }
  return r;
}

// A score the SDK reads back: every digit, so that remote equals embedded.
std::string exact(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

nlohmann::ordered_json candidate_json(const Candidate& c) {
  nlohmann::ordered_json k;
  k["referenceId"] = c.ref;
  k["score"] = exact(c.score);
  if (c.fingers) k["fingers"] = exact(*c.fingers);
  if (c.face) k["face"] = exact(*c.face);
  k["fingersCompared"] = std::to_string(c.fingers_compared);
  return k;
}

std::string fixed(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

}  // namespace

std::string_view request_id_of(Operation op) noexcept {
  for (const auto& [o, name] : kIds)
    if (o == op) return name;
  return "";
}

std::string_view describe(FailureReason r) noexcept {
  switch (r) {
    case FailureReason::internal_error: return "internal error";
    case FailureReason::aborted: return "aborted";
    case FailureReason::unexpected_error: return "unexpected error";
    case FailureReason::invalid_request: return "unable to serve the request: invalid request structure";
    case FailureReason::missing_reference_id: return "missing referenceId";
    case FailureReason::missing_request_id: return "missing requestId";
    case FailureReason::unable_to_fetch: return "unable to fetch biometric details";
    case FailureReason::missing_reference_url: return "missing referenceURL";
    case FailureReason::missing_request_time: return "missing requesttime";
    case FailureReason::reference_id_exists: return "referenceId already exists";
    case FailureReason::cbeff_no_data: return "CBEFF has no data";
    case FailureReason::reference_id_not_found: return "referenceId not found";
    case FailureReason::invalid_version: return "invalid version";
    case FailureReason::invalid_id: return "invalid id";
    case FailureReason::invalid_request_time: return "invalid requesttime format";
    case FailureReason::invalid_cbeff: return "invalid CBEFF format";
    case FailureReason::data_share_expired: return "data share URL has expired";
    case FailureReason::quality_check_failed: return "biometric quality check failed";
  }
  return "unknown";
}

bool uses_sdk_extensions(const Request& r) noexcept {
  if (const auto* b = std::get_if<InsertRequest>(&r.body)) return b->record.has_value() || b->mode != InsertMode::insert || b->exhaustive;
  if (const auto* b = std::get_if<IdentifyRequest>(&r.body)) return b->record.has_value() || b->exhaustive;
  if (const auto* b = std::get_if<ReferenceCountRequest>(&r.body)) return !b->reference_id.empty();
  return false;
}

std::variant<Request, Rejection> parse_request(std::string_view body) {
  Rejection seen;
  if (body.size() > kMaxRequestBytes) {
    seen.message = "the request is larger than " + std::to_string(kMaxRequestBytes) + " bytes";
    return seen;
  }
  const Json j = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    seen.message = "the request is not JSON";
    return seen;
  }
  try {
    return parse(j, seen);
  } catch (const Reject& e) {
    seen.reason = e.reason;
    seen.message = e.message;
    return seen;
  }
}

Response success(const Request& r) {
  Response out;
  out.op = r.op;
  out.id = r.id;
  out.request_id = r.request_id;
  return out;
}

Response failure(const Request& r, FailureReason reason) {
  Response out = success(r);
  out.failure = reason;
  return out;
}

Response failure(const Rejection& r) {
  Response out;
  out.op = r.op.value_or(Operation::ping);
  out.id = r.id;
  out.request_id = r.request_id;
  out.failure = r.reason;
  return out;
}

std::string encode_response(const Response& r) {
  nlohmann::ordered_json j;
  j["id"] = r.id;
  j["requestId"] = r.request_id;
  j["responsetime"] = r.response_time.empty() ? utc_timestamp() : r.response_time;
  j["returnValue"] = r.failure ? "2" : "1";
  if (r.failure) {
    j["failureReason"] = std::to_string(static_cast<int>(*r.failure));
    return j.dump();
  }
  if (r.jobs_count) j["jobscount"] = std::to_string(*r.jobs_count);
  if (r.count) j["count"] = std::to_string(*r.count);
  if (r.candidates) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& c : *r.candidates) {
      nlohmann::ordered_json k;
      k["referenceId"] = c.reference_id;
      k["analytics"] = {{"internalScore", fixed(c.score)}};
      nlohmann::ordered_json mods = nlohmann::ordered_json::array();
      for (const auto& m : c.modalities)
        mods.push_back({{"biometricType", m.biometric_type}, {"analytics", {{"internalScore", fixed(m.score)}}}});
      k["modalities"] = std::move(mods);
      list.push_back(std::move(k));
    }
    j["candidateList"] = {{"count", std::to_string(r.candidates->size())}, {"candidates", std::move(list)}};
  }
  if (r.decision) {
    const DedupDecision& d = *r.decision;
    nlohmann::ordered_json t;
    t["decision"] = std::string(to_string(d.decision));
    t["threshold"] = exact(d.threshold);
    t["searched"] = std::to_string(d.searched);
    t["matched"] = std::to_string(d.matched);
    t["fingerComparisons"] = std::to_string(d.finger_comparisons);
    t["indexEntries"] = std::to_string(d.index_entries);
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& c : d.candidates) list.push_back(candidate_json(c));
    t["candidates"] = std::move(list);
    if (d.best) t["best"] = candidate_json(*d.best);
    j["tunggalDecision"] = std::move(t);
  }
  return j.dump();
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

double fpir_of_target(double v) noexcept { return std::pow(10.0, -v / 10.0); }

}  // namespace tunggal::abis
