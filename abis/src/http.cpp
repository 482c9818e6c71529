#include "tunggal/abis/http.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tunggal/error.h"
#include "tunggal/net/http_server.h"
#include "tunggal/store/vault.h"

namespace tunggal::abis {
namespace {

std::optional<Operation> operation_named(std::string_view s) {
  for (const Operation op : {Operation::insert, Operation::identify, Operation::remove, Operation::ping,
                             Operation::pending_jobs, Operation::reference_count}) {
    const auto id = request_id_of(op);
    if (s == id.substr(std::string_view("mosip.abis.").size())) return op;
  }
  return std::nullopt;
}

// Compares two hex digests in time independent of where they differ.
bool same(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
  return d == 0;
}

}  // namespace

std::vector<TokenGrant> load_token_file(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw Error(ErrorCode::not_found, file.string() + ": no token file");
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    throw Error(ErrorCode::invalid_argument, file.string() + ": the token file must be owner-only (chmod 600)");
  std::ifstream in(file);
  std::vector<TokenGrant> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string token, ops;
    words >> token >> ops;
    TokenGrant g;
    g.all = ops.empty();
    if (token.rfind("sha256:", 0) == 0) {
      g.sha256_hex = token.substr(7);
      if (g.sha256_hex.size() != 64 || g.sha256_hex.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw Error(ErrorCode::malformed_data, file.string() + ", line " + std::to_string(n) + ": sha256: wants 64 lower-case hex digits");
    } else {
      if (token.size() < 16)
        throw Error(ErrorCode::invalid_argument, file.string() + ", line " + std::to_string(n) + ": a token of at least 16 characters");
      g.sha256_hex = store::sha256_hex(token);
    }
    std::size_t at = 0;
    while (!ops.empty() && at <= ops.size()) {
      const auto comma = ops.find(',', at);
      const std::string name = ops.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
      if (name == "metrics") {
        g.metrics = true;
      } else if (const auto op = operation_named(name)) {
        g.operations.insert(*op);
      } else {
        throw Error(ErrorCode::invalid_argument, file.string() + ", line " + std::to_string(n) + ": unknown operation '" + name + "'");
      }
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    out.push_back(std::move(g));
  }
  if (out.empty()) throw Error(ErrorCode::invalid_argument, file.string() + ": no token in it");
  return out;
}

TokenGrant full_grant(const std::string& token) {
  TokenGrant g;
  g.sha256_hex = store::sha256_hex(token);
  g.all = true;
  g.metrics = true;
  return g;
}

std::string metrics_text(const Service& service, const std::string& extra) {
  const auto c = service.counters();
  std::ostringstream o;
  const auto metric = [&](const char* name, const char* type, const char* help, auto value) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n" << name << " " << value << "\n";
  };
  metric("tunggald_requests_total", "counter", "Requests handed to the service.", c.requests);
  metric("tunggald_replays_total", "counter", "Requests answered again from the journal (a requestId seen before).", c.replays);
  metric("tunggald_failures_total", "counter", "Requests answered with returnValue 2.", c.failures);
  metric("tunggald_inserts_total", "counter", "References inserted.", c.inserts);
  metric("tunggald_identifies_total", "counter", "Identifications run.", c.identifies);
  metric("tunggald_deletes_total", "counter", "References deleted.", c.deletes);
  metric("tunggald_pending_jobs", "gauge", "Jobs accepted and not yet answered.", service.pending_jobs());
  metric("tunggald_references", "gauge", "People in the gallery.", service.reference_count());
  metric("tunggald_refused_reuses_total", "counter", "Requests refused for reusing a requestId with another body.",
         c.refused_reuses);
  const auto h = service.health();
  metric("tunggald_jobs_in_flight", "gauge", "Jobs fetching, waiting for their turn or running.", h.in_flight);
  metric("tunggald_oldest_job_seconds", "gauge", "Age of the oldest job under way.", h.oldest_seconds);
  metric("tunggald_stalled", "gauge", "1 when the oldest job has run past the stall limit.", h.stalled ? 1 : 0);
  o << extra;
  return o.str();
}

std::string health_json(const Service& service, int& status) {
  const auto h = service.health();
  status = h.stalled ? 503 : 200;
  char oldest[32];
  std::snprintf(oldest, sizeof oldest, "%.1f", h.oldest_seconds);
  return std::string("{\"status\":\"") + (h.stalled ? "stalled" : "ok") + "\",\"references\":\"" +
         std::to_string(service.reference_count()) + "\",\"jobs_in_flight\":" + std::to_string(h.in_flight) +
         ",\"oldest_job_seconds\":" + oldest + ",\"oldest_job_phase\":\"" + h.oldest_phase + "\"}";
}

struct HttpServer::Impl {
  Service& service;
  HttpConfig config;
  std::unique_ptr<net::HttpServer> server;
  std::atomic<std::uint64_t> unauthorised{0}, served{0};

  Impl(Service& s, HttpConfig c) : service(s), config(std::move(c)) {}

  // The grant of the caller's bearer token, or none.
  const TokenGrant* caller(const net::HttpRequest& req) const {
    const std::string auth = req.header("authorization");
    if (auth.rfind("Bearer ", 0) != 0) return nullptr;
    const std::string digest = store::sha256_hex(auth.substr(7));
    const TokenGrant* found = nullptr;
    for (const auto& g : config.tokens)
      if (same(g.sha256_hex, digest)) found = &g;
    return found;
  }

  static net::HttpResponse refuse(int status, const std::string& why) {
    net::HttpResponse res;
    res.status = status;
    if (status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer");
    res.body = nlohmann_error(why);
    return res;
  }
  static std::string nlohmann_error(const std::string& why) {
    std::string s = "{\"error\":\"";
    for (const char ch : why) {
      if (ch == '"' || ch == '\\') s += '\\';
      s += ch;
    }
    return s + "\"}";
  }

  net::HttpResponse healthz(const net::HttpRequest&) const {
    net::HttpResponse res;
    res.body = health_json(service, res.status);
    return res;
  }

  net::HttpResponse metrics(const net::HttpRequest& req) {
    const TokenGrant* g = caller(req);
    if (!g) {
      ++unauthorised;
      return refuse(401, "a bearer token is needed");
    }
    if (!g->all && !g->metrics) {
      ++unauthorised;
      return refuse(403, "this token may not read the metrics");
    }
    const auto c = server ? server->counters() : net::HttpServerCounters{};
    std::ostringstream extra;
    const auto metric = [&](const char* name, const char* type, const char* help, auto value) {
      extra << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n" << name << " " << value << "\n";
    };
    metric("tunggald_http_unauthorised_total", "counter", "Requests refused for want of a valid token.", unauthorised.load());
    metric("tunggald_http_served_total", "counter", "Requests to /abis answered.", served.load());
    metric("tunggald_http_connections_total", "counter", "Connections accepted.", c.connections);
    metric("tunggald_http_connections_open", "gauge", "Connections open now.", c.open);
    metric("tunggald_http_connections_refused_total", "counter", "Connections closed on arrival at the cap.", c.refused);
    metric("tunggald_http_timed_out_total", "counter", "Connections closed at a deadline (slow or idle clients).", c.timed_out);
    metric("tunggald_http_bad_requests_total", "counter", "Malformed requests, heads or bodies too large.", c.bad_requests);
    net::HttpResponse res;
    res.content_type = "text/plain; version=0.0.4";
    res.body = metrics_text(service, extra.str());
    return res;
  }

  net::HttpResponse abis(const net::HttpRequest& req) {
    const TokenGrant* g = caller(req);
    if (!g) {
      ++unauthorised;
      return refuse(401, "a bearer token is needed");
    }
    if (!g->all) {
      const auto parsed = parse_request(req.body);
      const auto* r = std::get_if<Request>(&parsed);
      const auto* rej = std::get_if<Rejection>(&parsed);
      const std::optional<Operation> op = r ? std::optional(r->op) : rej->op;
      if (op && !g->operations.count(*op)) {
        ++unauthorised;
        return refuse(403, "this token may not ask for " + std::string(request_id_of(*op)));
      }
      // A deduplicating INSERT searches the gallery too.
      if (const auto* ins = r ? std::get_if<InsertRequest>(&r->body) : nullptr;
          ins && ins->mode == InsertMode::deduplicate && !g->operations.count(Operation::identify)) {
        ++unauthorised;
        return refuse(403, "this token may not ask for mosip.abis.identify (a deduplicating insert searches)");
      }
    }
    net::HttpResponse res;
    res.body = service.handle(req.body);
    ++served;
    return res;
  }
};

HttpServer::HttpServer(Service& service, HttpConfig config) : impl_(std::make_unique<Impl>(service, std::move(config))) {
  auto& m = *impl_;
  if (m.config.tokens.empty()) throw Error(ErrorCode::invalid_argument, "http: no tokens: every caller must authenticate");
  net::HttpServerConfig c;
  c.host = m.config.host;
  c.port = m.config.port;
  c.cert = m.config.cert;
  c.key = m.config.key;
  c.client_ca = m.config.client_ca;
  c.limits = m.config.limits;
  c.limits.max_body_bytes = kMaxRequestBytes;
  c.limits.workers = std::max(1, m.config.threads);
  // Health and metrics answer on the I/O thread (they never wait for a
  // job); /abis runs on the workers.
  std::vector<net::HttpRoute> routes;
  routes.push_back({"GET", "/healthz", [&m](const net::HttpRequest& r) { return m.healthz(r); }, false});
  routes.push_back({"GET", "/metrics", [&m](const net::HttpRequest& r) { return m.metrics(r); }, false});
  routes.push_back({"POST", "/abis", [&m](const net::HttpRequest& r) { return m.abis(r); }, true});
  m.server = std::make_unique<net::HttpServer>(std::move(c), std::move(routes));
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::port() const noexcept { return impl_->server ? impl_->server->port() : -1; }
std::uint64_t HttpServer::unauthorised() const noexcept { return impl_->unauthorised.load(); }

void HttpServer::stop() {
  if (impl_->server) impl_->server->stop();
}

}  // namespace tunggal::abis
