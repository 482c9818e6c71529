// The ABIS service: MOSIP's operations over the SDK's durable gallery, with
// a journal of jobs so that every answer is given once and the same way,
// and a killed process resumes what it had accepted. Transports (the
// broker, HTTP) hand it request bodies and send back what it answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tunggal/abis/partner_key.h"
#include "tunggal/abis/protocol.h"
#include "tunggal/sdk/session.h"

namespace tunggal::abis {

// What fetching a referenceURL gave: the bytes, or the failureReason (7:
// unreachable, an HTTP error, too large, too slow; 17: MOSIP's data share
// says the URL has expired) with what happened, for the operator.
struct FetchResult {
  std::vector<std::uint8_t> body;
  std::optional<FailureReason> failure;
  std::string message;
};
using Fetcher = std::function<FetchResult(const std::string& url)>;

struct FetchLimits {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{30000};
  std::size_t max_bytes = 64u << 20;
};
// libcurl: http and https only, redirects not followed, the limits above
// enforced while the bytes arrive.
Fetcher curl_fetcher(FetchLimits limits = {});

// The host of an http(s) URL (lower case, without port or brackets), or
// "" when the URL cannot be parsed.
std::string url_host(const std::string& url);
// Whether a referenceURL may be fetched: `hosts` empty (any host), or the
// URL's host is one of them (compared without case).
bool data_share_host_allowed(const std::string& url, const std::vector<std::string>& hosts);

struct ServiceConfig {
  std::filesystem::path dir;  // jobs.db (the journal), abis.key (0600), gallery/
  sdk::SessionConfig session;  // its gallery defaults to dir/gallery
  Fetcher fetch;               // default: curl_fetcher()
  // The data-share hosts a referenceURL may name (exact host names or
  // addresses, compared without case); a URL on any other host is refused
  // with failureReason 7 before any connection. Empty: any host.
  std::vector<std::string> data_share_hosts;
  // A job (fetch or gallery work) under way this long makes health() say
  // the worker is stalled.
  std::chrono::milliseconds stall_after{20000};
  // MOSIP 1.2 encrypts documents for the partner: its private key. A
  // fetched body that is not XML is decrypted with it.
  std::shared_ptr<const PartnerKey> partner_key;
};

struct ServiceCounters {
  std::uint64_t requests = 0, replays = 0, failures = 0;
  std::uint64_t inserts = 0, identifies = 0, deletes = 0;
  std::uint64_t refused_reuses = 0;  // a requestId sent again with another body
};

// What /healthz reports: the oldest job under way, and whether it has run
// past ServiceConfig::stall_after (a data share answering slowly, say).
struct ServiceHealth {
  bool stalled = false;
  std::size_t in_flight = 0;        // jobs fetching or running now
  double oldest_seconds = 0;        // the oldest of them
  std::string oldest_phase;         // "fetching", "waiting" or "running"
};

class Service {
 public:
  // Opens (creating) the journal and the gallery; jobs a killed process
  // had accepted but not answered are listed by pending() until resume().
  static std::unique_ptr<Service> open(ServiceConfig config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // One request body in, its response body out, once its effect is
  // durable. A requestId answered before gets that answer again (replay)
  // when the body is the same; another body under a known requestId is
  // refused (failureReason 4) and the job under it left alone. Jobs that
  // touch the gallery run in the order they are handed in; their
  // referenceURLs are fetched beforehand, outside the service's lock, so a
  // slow data share delays the jobs after it but never PING, the counters
  // or health(). Safe to call from several threads.
  std::string handle(std::string_view body);
  // The jobs accepted before a crash and not answered, run now in their
  // order; returns their answers (to be sent: none was).
  std::vector<std::string> resume();

  std::int64_t pending_jobs() const;     // accepted, not answered
  std::size_t reference_count() const;   // people in the gallery
  ServiceCounters counters() const;   // without waiting for a job
  ServiceHealth health() const;        // without waiting for a job
  sdk::Session& session();

  struct Impl;

 private:
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunggal::abis
