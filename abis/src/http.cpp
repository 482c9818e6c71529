#include "tunggal/abis/http.h"

#include <httplib.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tunggal/error.h"
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
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  int port = 0;
  std::atomic<std::uint64_t> unauthorised{0}, served{0};

  Impl(Service& s, HttpConfig c) : service(s), config(std::move(c)) {}

  // The grant of the caller's bearer token, or none.
  const TokenGrant* caller(const httplib::Request& req) const {
    const std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) != 0) return nullptr;
    const std::string digest = store::sha256_hex(auth.substr(7));
    const TokenGrant* found = nullptr;
    for (const auto& g : config.tokens)
      if (same(g.sha256_hex, digest)) found = &g;
    return found;
  }

  void refuse(httplib::Response& res, int status, const std::string& why) {
    res.status = status;
    if (status == 401) res.set_header("WWW-Authenticate", "Bearer");
    res.set_content(nlohmann_error(why), "application/json");
  }
  static std::string nlohmann_error(const std::string& why) {
    std::string s = "{\"error\":\"";
    for (const char ch : why) {
      if (ch == '"' || ch == '\\') s += '\\';
      s += ch;
    }
    return s + "\"}";
  }
};

HttpServer::HttpServer(Service& service, HttpConfig config) : impl_(std::make_unique<Impl>(service, std::move(config))) {
  auto& m = *impl_;
  if (m.config.tokens.empty()) throw Error(ErrorCode::invalid_argument, "http: no tokens: every caller must authenticate");
  if (!m.config.cert.empty() || !m.config.key.empty()) {
    auto ssl = std::make_unique<httplib::SSLServer>(m.config.cert.c_str(), m.config.key.c_str(),
                                                    m.config.client_ca.empty() ? nullptr : m.config.client_ca.c_str());
    if (!ssl->is_valid()) throw Error(ErrorCode::invalid_argument, "http: the TLS certificate or key does not load");
    m.server = std::move(ssl);
  } else {
    m.server = std::make_unique<httplib::Server>();
  }
  auto& svr = *m.server;
  const int threads = std::max(1, m.config.threads);
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  svr.set_payload_max_length(kMaxRequestBytes);
  svr.set_read_timeout(std::chrono::seconds(30));
  svr.set_write_timeout(std::chrono::seconds(30));
  svr.Get("/healthz", [&m](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(health_json(m.service, res.status), "application/json");
  });
  svr.Get("/metrics", [&m](const httplib::Request& req, httplib::Response& res) {
    const TokenGrant* g = m.caller(req);
    if (!g) {
      ++m.unauthorised;
      return m.refuse(res, 401, "a bearer token is needed");
    }
    if (!g->all && !g->metrics) {
      ++m.unauthorised;
      return m.refuse(res, 403, "this token may not read the metrics");
    }
    std::ostringstream extra;
    extra << "# HELP tunggald_http_unauthorised_total Requests refused for want of a valid token.\n"
          << "# TYPE tunggald_http_unauthorised_total counter\ntunggald_http_unauthorised_total " << m.unauthorised.load()
          << "\n# HELP tunggald_http_served_total Requests to /abis answered.\n# TYPE tunggald_http_served_total counter\n"
          << "tunggald_http_served_total " << m.served.load() << "\n";
    res.set_content(metrics_text(m.service, extra.str()), "text/plain; version=0.0.4");
  });
  svr.Post("/abis", [&m](const httplib::Request& req, httplib::Response& res) {
    const TokenGrant* g = m.caller(req);
    if (!g) {
      ++m.unauthorised;
      return m.refuse(res, 401, "a bearer token is needed");
    }
    if (!g->all) {
      const auto parsed = parse_request(req.body);
      const auto* r = std::get_if<Request>(&parsed);
      const auto* rej = std::get_if<Rejection>(&parsed);
      const std::optional<Operation> op = r ? std::optional(r->op) : rej->op;
      if (op && !g->operations.count(*op)) {
        ++m.unauthorised;
        return m.refuse(res, 403, "this token may not ask for " + std::string(request_id_of(*op)));
      }
      // A deduplicating INSERT searches the gallery too.
      if (const auto* ins = r ? std::get_if<InsertRequest>(&r->body) : nullptr;
          ins && ins->mode == InsertMode::deduplicate && !g->operations.count(Operation::identify)) {
        ++m.unauthorised;
        return m.refuse(res, 403, "this token may not ask for mosip.abis.identify (a deduplicating insert searches)");
      }
    }
    res.set_content(m.service.handle(req.body), "application/json");
    ++m.served;
  });
  svr.set_exception_handler([&m](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    // The detail (paths, SQLite's words) goes to the operator's log, not to the caller.
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      std::cerr << "tunggald: http: " << e.what() << "\n";
    } catch (...) {
    }
    m.refuse(res, 500, "internal error");
  });
  m.port = m.config.port == 0 ? svr.bind_to_any_port(m.config.host) : (svr.bind_to_port(m.config.host, m.config.port) ? m.config.port : -1);
  if (m.port <= 0)
    throw Error(ErrorCode::io, "http: cannot listen on " + m.config.host + ":" + std::to_string(m.config.port));
  m.thread = std::thread([&svr] { svr.listen_after_bind(); });
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::port() const noexcept { return impl_->port; }
std::uint64_t HttpServer::unauthorised() const noexcept { return impl_->unauthorised.load(); }

void HttpServer::stop() {
  if (!impl_->server) return;
  impl_->server->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace tunggal::abis
