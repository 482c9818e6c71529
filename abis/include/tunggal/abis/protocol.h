// The MOSIP ABIS API (version 1.1) as plain data: one request type per
// operation, parsed and validated at the edge, and the responses in the
// shape MOSIP expects (every scalar a JSON string; no nulls, no booleans).
//
// Parsing never throws for outside input: a request that cannot be served
// comes back as a Rejection with the specification's failureReason and a
// message naming what is wrong (for the operator's log; the response
// carries only the code).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tunggal/gallery.h"
#include "tunggal/person_record.h"

namespace tunggal::abis {

enum class Operation { insert, identify, remove, ping, pending_jobs, reference_count };
std::string_view request_id_of(Operation op) noexcept;  // "mosip.abis.insert", ...

// failureReason, as the ABIS API numbers them.
enum class FailureReason : int {
  internal_error = 1,
  aborted = 2,
  unexpected_error = 3,
  invalid_request = 4,         // unable to serve the request: invalid request structure
  missing_reference_id = 5,
  missing_request_id = 6,
  unable_to_fetch = 7,         // unable to fetch biometric details
  missing_reference_url = 8,
  missing_request_time = 9,
  reference_id_exists = 10,
  cbeff_no_data = 11,
  reference_id_not_found = 12,
  invalid_version = 13,
  invalid_id = 14,
  invalid_request_time = 15,
  invalid_cbeff = 16,
  data_share_expired = 17,
  quality_check_failed = 18,
};
std::string_view describe(FailureReason r) noexcept;

// A request is small (the biometrics come by URL), except between a
// coordinator and its shards, where the document travels inline.
inline constexpr std::size_t kMaxRequestBytes = 24u << 20;
inline constexpr std::size_t kMaxIdLength = 256;
inline constexpr std::size_t kMaxUrlLength = 8192;
inline constexpr std::size_t kMaxGallery = 1'000'000;

// The CBEFF document inline (base64 in the extension field
// "tunggalDocument"): how a coordinator hands its shards what it fetched
// once. When present, referenceURL is not fetched.
//
// The SDK's remote mode (sdk::Session with SessionConfig::daemon) sends
// templates it has already extracted instead: "tunggalRecord", base64 of a
// tunggal PersonRecord (tunggal/person_record.h), checked here at the edge.
// Neither MOSIP nor a coordinator sends these extensions; a coordinator
// refuses them (see uses_sdk_extensions).
enum class InsertMode {
  insert,       // MOSIP's INSERT: store, no deduplication
  update,       // "tunggalMode": "update": replace an inserted record (12 if none)
  deduplicate,  // "tunggalMode": "deduplicate": search, and store only when unique,
                // as one job (the answer carries the decision)
};
// IDENTIFY's flags (and a deduplicating INSERT's).
struct SearchFlags {
  std::optional<int> max_results;
  std::optional<double> target_fpir;  // from flags.targetFPIR = round(-10 log10 FPIR)
  bool exhaustive = false;            // flags.tunggalExhaustive "true": no shortlist
};
struct InsertRequest : SearchFlags {
  std::string reference_id, reference_url;
  std::vector<std::uint8_t> document;
  std::optional<PersonRecord> record;  // "tunggalRecord" (its id becomes reference_id)
  InsertMode mode = InsertMode::insert;
};
struct IdentifyRequest : SearchFlags {
  std::string reference_id;   // the probe's own id (never returned as a candidate)
  std::string reference_url;  // "": probe by reference_id, which must be inserted
  std::optional<std::vector<std::string>> gallery;  // only these referenceIds (absent or null: all)
  std::vector<std::uint8_t> document;  // inline, as for InsertRequest
  std::optional<PersonRecord> record;  // "tunggalRecord", as for InsertRequest
};
struct DeleteRequest {
  std::string reference_id;
};
struct PingRequest {};
struct PendingJobsRequest {};
// "tunggalReferenceId": count only that reference (0 or 1): whether it is
// inserted.
struct ReferenceCountRequest {
  std::string reference_id;
};

struct Request {
  Operation op = Operation::ping;
  std::string id;            // as sent ("mosip.abis.insert")
  std::string version;       // "1.1"
  std::string request_id;
  std::string request_time;  // as sent: yyyy-MM-ddTHH:mm:ss.SSSZ
  std::variant<InsertRequest, IdentifyRequest, DeleteRequest, PingRequest, PendingJobsRequest, ReferenceCountRequest>
      body;
};

struct Rejection {
  FailureReason reason = FailureReason::invalid_request;
  std::string message;
  // What could be read, so that the answer still echoes it.
  std::string id, request_id;
  std::optional<Operation> op;
};

// Unknown fields are ignored; `referenceUrl` is taken for `referenceURL`;
// `gallery` may be null; flags may be strings or numbers.
std::variant<Request, Rejection> parse_request(std::string_view json);
// Whether a request uses the SDK's extensions (tunggalRecord, tunggalMode,
// tunggalReferenceId, flags.tunggalExhaustive).
bool uses_sdk_extensions(const Request& r) noexcept;

struct CandidateModality {
  std::string biometric_type;  // "FIR" (finger), "FID" (face), "IIR" (iris), as MOSIP names them
  double score = 0;
};
struct ResponseCandidate {
  std::string reference_id;
  double score = 0;  // the fused calibrated score
  std::vector<CandidateModality> modalities;
};

struct Response {
  Operation op = Operation::ping;
  std::string id, request_id;
  std::string response_time;  // "" : now
  std::optional<FailureReason> failure;  // none: returnValue "1"
  std::optional<std::int64_t> jobs_count;  // PENDING_JOBS
  std::optional<std::int64_t> count;       // REFERENCE_COUNT
  std::optional<std::vector<ResponseCandidate>> candidates;  // IDENTIFY
  // For a request that carried tunggalRecord: the whole decision, as
  // "tunggalDecision" (every scalar a string; scores with all their digits),
  // so that the SDK's remote calls return what the embedded ones would.
  std::optional<DedupDecision> decision;
};
Response success(const Request& r);
Response failure(const Request& r, FailureReason reason);
Response failure(const Rejection& r);

// The JSON body MOSIP reads.
std::string encode_response(const Response& r);
// Now in UTC with milliseconds and 'Z': 2026-12-01T12:30:05.123Z.
std::string utc_timestamp();
// FPIR from targetFPIR (10^(-v/10)).
double fpir_of_target(double target_fpir_flag) noexcept;

}  // namespace tunggal::abis
