// An HTTP/1.1 server for the services (the ABIS daemon now, the office's
// pages next) that holds against slow and idle clients: every connection
// is a coroutine on a few I/O threads (Boost.Beast over Boost.Asio), so a
// client that dribbles costs a socket, not a worker; the whole request,
// head and body together, has one deadline, and so has writing the answer;
// connections are counted and capped. Handlers that may take long (an ABIS
// job) run on a pool of workers; quick ones (health, metrics) answer on the
// I/O thread, so they answer while every worker is busy.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tunggal::net {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // the path and query as sent
  std::string path;    // the path alone
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote;  // the peer's address
  // The first header of this name (lower case), or "".
  std::string header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpRoute {
  std::string method;  // exact
  std::string path;    // exact
  HttpHandler handler;
  // Runs on the worker pool (it may block on I/O or long work); quick
  // handlers run on the I/O thread and must not block.
  bool blocking = true;
};

struct HttpLimits {
  // The request's head and body together, from its first byte (or from
  // the end of the previous answer on a kept-alive connection).
  std::chrono::milliseconds request_deadline{15000};
  std::chrono::milliseconds write_deadline{30000};  // one answer
  std::chrono::milliseconds handshake_deadline{10000};  // TLS
  std::size_t max_header_bytes = 16 << 10;
  std::size_t max_body_bytes = 24u << 20;
  std::size_t max_connections = 1024;  // more are closed as they arrive
  int io_threads = 1;
  int workers = 4;  // blocking handlers at once; more wait their turn
};

struct HttpServerConfig {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port (see port())
  // TLS when both are given; a client CA asks callers for certificates
  // signed by it (and refuses those without).
  std::filesystem::path cert, key, client_ca;
  HttpLimits limits;
};

struct HttpServerCounters {
  std::uint64_t connections = 0;      // accepted
  std::uint64_t refused = 0;          // closed on arrival: at the connection cap
  std::uint64_t timed_out = 0;        // closed at a deadline
  std::uint64_t bad_requests = 0;     // malformed, a head or body too large
  std::uint64_t requests = 0;         // answered
  std::uint64_t open = 0;             // open now
};

class HttpServer {
 public:
  // Binds now (Error(io) naming the address when it cannot; Error(
  // invalid_argument) when the certificate or key does not load), then
  // serves on its own threads until stop(). Requests for a path no route
  // names get 404 (405 for another method).
  HttpServer(HttpServerConfig config, std::vector<HttpRoute> routes);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  int port() const noexcept;
  // Stops taking connections, lets the handlers under way finish, closes
  // the rest.
  void stop();
  HttpServerCounters counters() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunggal::net
