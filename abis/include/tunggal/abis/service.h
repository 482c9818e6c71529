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

struct ServiceConfig {
  std::filesystem::path dir;  // jobs.db (the journal), abis.key (0600), gallery/
  sdk::SessionConfig session;  // its gallery defaults to dir/gallery
  Fetcher fetch;               // default: curl_fetcher()
  // MOSIP 1.2 encrypts documents for the partner: its private key. A
  // fetched body that is not XML is decrypted with it.
  std::shared_ptr<const PartnerKey> partner_key;
};

struct ServiceCounters {
  std::uint64_t requests = 0, replays = 0, failures = 0;
  std::uint64_t inserts = 0, identifies = 0, deletes = 0;
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
  // durable. A requestId answered before gets that answer again (replay).
  // Requests are served in the order they are handed in.
  std::string handle(std::string_view body);
  // The jobs accepted before a crash and not answered, run now in their
  // order; returns their answers (to be sent: none was).
  std::vector<std::string> resume();

  std::int64_t pending_jobs() const;     // accepted, not answered
  std::size_t reference_count() const;   // people in the gallery
  ServiceCounters counters() const;
  sdk::Session& session();

  struct Impl;

 private:
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunggal::abis
