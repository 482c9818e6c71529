// The ABIS over HTTP/JSON (tunggal::net's server): POST /abis takes the
// same request bodies as the queue and answers with the same response
// bodies once the job is done; GET /metrics (Prometheus text) and GET
// /healthz answer at once, whatever the jobs are doing. Every caller of
// /abis and /metrics presents a bearer token; /healthz is open.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tunggal/abis/service.h"
#include "tunggal/net/http_server.h"

namespace tunggal::abis {

// A caller: the SHA-256 of its token (tokens are never kept in memory in
// the clear), the operations it may ask for and whether it may read the
// metrics. A line with no list grants everything.
struct TokenGrant {
  std::string sha256_hex;
  bool all = false;                // a line with no list: every operation and the metrics
  std::set<Operation> operations;
  bool metrics = false;            // may read /metrics
};

// The token file: owner-only (0600 or stricter, else refused), one caller
// per line: `TOKEN` or `sha256:HEX` (the token stored hashed), optionally
// followed by the operations it may ask for, comma-separated (`insert,
// identify, delete, ping, pendingJobs, referenceCount, metrics`). Blank lines
// and lines starting with '#' are skipped.
std::vector<TokenGrant> load_token_file(const std::filesystem::path& file);
// A grant of everything for one token (kept hashed).
TokenGrant full_grant(const std::string& token);

struct HttpConfig {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port (see HttpServer::port())
  std::vector<TokenGrant> tokens;
  // TLS (OpenSSL) when both are given; a client CA file asks callers for
  // certificates too.
  std::filesystem::path cert, key, client_ca;
  int threads = 4;  // /abis requests run at once (the service orders gallery jobs)
  // Deadlines and caps against slow and idle clients (the body cap is the
  // protocol's: kMaxRequestBytes).
  net::HttpLimits limits;
};

// The /metrics text for a service (and what the transports add).
std::string metrics_text(const Service& service, const std::string& extra = "");
// The /healthz body; `status` is set to 200, or 503 when a job has stalled
// (ServiceHealth): "ok" must not hide a worker stuck on a data share.
std::string health_json(const Service& service, int& status);

class HttpServer {
 public:
  // Binds now (Error(io) naming the address when it cannot); serves on a
  // thread of its own until stop().
  HttpServer(Service& service, HttpConfig config);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  int port() const noexcept;
  // Stops taking connections; requests under way finish first.
  void stop();
  std::uint64_t unauthorised() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunggal::abis
