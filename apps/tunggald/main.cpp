// tunggald: the consolidation center's ABIS daemon (MOSIP's ABIS API) over
// the library tunggal::abis: the broker (ActiveMQ over STOMP) and/or HTTP.
// SIGTERM or SIGINT stops it gracefully: no new jobs are taken, the one
// under way finishes, answers already recorded stay answered.
#include <CLI/CLI.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "tunggal/abis/broker.h"
#include "tunggal/abis/coordinator.h"
#include "tunggal/abis/http.h"
#include "tunggal/abis/service.h"
#include "tunggal/error.h"
#include "tunggal/image.h"
#include "tunggal/version.h"

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

std::pair<std::string, int> host_port(const std::string& s, const char* what) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) throw tunggal::Error(tunggal::ErrorCode::invalid_argument, std::string(what) + " wants HOST:PORT, got '" + s + "'");
  const std::string port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535)
    throw tunggal::Error(tunggal::ErrorCode::invalid_argument, std::string(what) + ": '" + port + "' is not a port");
  return {s.substr(0, colon), std::stoi(port)};
}

std::string first_line(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty())
    throw tunggal::Error(tunggal::ErrorCode::not_found, file + ": no password in its first line");
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  tunggal::limit_opencv_for_children();
  CLI::App app{"tunggald: the ABIS daemon (MOSIP ABIS API 1.1) over the tunggal gallery"};
  app.set_version_flag("--version", std::string(tunggal::version()));
  std::string dir, broker, broker_user, broker_password_file, inbound = "mosip-to-abis", outbound = "abis-to-mosip";
  std::string http, token_file, tls_cert, tls_key, client_ca, private_key;
  bool no_face = false, coordinator = false;
  int threads = 4, shards = 3, shard_timeout = 60;
  std::string shard_prefix = "abis-shard";
  std::vector<std::string> data_share_hosts;
  int http_deadline = 15, stall_seconds = 20, fetch_seconds = 30;
  app.add_option("--gallery", dir, "The ABIS's folder: the gallery (DIR/gallery), the job journal, the key")->required();
  app.add_option("--broker", broker, "ActiveMQ's STOMP address, HOST:PORT");
  app.add_option("--broker-user", broker_user, "The broker login");
  app.add_option("--broker-password-file", broker_password_file, "A file whose first line is the broker password");
  app.add_option("--inbound", inbound, "The queue MOSIP sends requests to")->capture_default_str();
  app.add_option("--outbound", outbound, "The queue MOSIP reads answers from")->capture_default_str();
  app.add_option("--http", http, "Serve HTTP on HOST:PORT (POST /abis, GET /metrics, GET /healthz)");
  app.add_option("--token-file", token_file, "Bearer tokens, one per line (owner-only file); needed with --http");
  app.add_option("--tls-cert", tls_cert, "HTTPS: the server certificate (PEM)");
  app.add_option("--tls-key", tls_key, "HTTPS: its private key (PEM)");
  app.add_option("--client-ca", client_ca, "HTTPS: ask callers for certificates signed by this CA");
  app.add_option("--http-threads", threads, "HTTP worker threads (requests to /abis at once)")->capture_default_str();
  app.add_option("--http-deadline", http_deadline,
                 "Seconds a client has to send a whole request, head and body (slower ones are closed)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--fetch-timeout", fetch_seconds, "Seconds a referenceURL has to arrive, all of it")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--stall-seconds", stall_seconds, "A job under way this long makes /healthz answer 503 stalled")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--private-key", private_key, "The ABIS partner's private key (MOSIP 1.2 encrypted documents)");
  app.add_option("--data-share-host", data_share_hosts,
                 "A host referenceURLs may name (repeat for more); others are refused before any connection "
                 "(failureReason 7). Without it, any host is fetched");
  app.add_flag("--no-face", no_face, "Fingers only (no face models loaded)");
  app.add_flag("--coordinator", coordinator,
               "Coordinate shard workers on the broker (each a tunggald on --inbound PREFIX-k --outbound PREFIX-k-out)");
  app.add_option("--shards", shards, "Coordinator: how many shards")->capture_default_str();
  app.add_option("--shard-prefix", shard_prefix, "Coordinator: the shards' queue names' prefix")->capture_default_str();
  app.add_option("--shard-timeout", shard_timeout, "Coordinator: seconds a shard may take to answer")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    if (broker.empty() && http.empty())
      throw tunggal::Error(tunggal::ErrorCode::invalid_argument, "give --broker, --http or both");
    if (coordinator) {
      if (broker.empty() || !http.empty())
        throw tunggal::Error(tunggal::ErrorCode::invalid_argument, "--coordinator works on the broker: give --broker, not --http");
      tunggal::abis::CoordinatorConfig c;
      c.dir = dir;
      std::tie(c.broker.host, c.broker.port) = host_port(broker, "--broker");
      c.broker.user = broker_user;
      if (!broker_password_file.empty()) c.broker.password = first_line(broker_password_file);
      c.broker.inbound = inbound;
      c.broker.outbound = outbound;
      c.shards = shards;
      c.shard_prefix = shard_prefix;
      c.shard_timeout = std::chrono::seconds(shard_timeout);
      c.data_share_hosts = data_share_hosts;
      if (!private_key.empty())
        c.partner_key = std::make_shared<tunggal::abis::PartnerKey>(tunggal::abis::PartnerKey::load(private_key));
      tunggal::abis::Coordinator co(c);
      std::signal(SIGTERM, on_signal);
      std::signal(SIGINT, on_signal);
      std::cerr << "tunggald " << tunggal::version() << ": coordinating " << shards << " shards (" << shard_prefix
                << "-k) for " << inbound << " -> " << outbound << "\n";
      co.run(g_stop);
      std::cerr << "tunggald: stopping\n";
      return 0;
    }
    tunggal::abis::ServiceConfig config;
    if (!private_key.empty())
      config.partner_key = std::make_shared<tunggal::abis::PartnerKey>(tunggal::abis::PartnerKey::load(private_key));
    config.dir = dir;
    config.session.face = !no_face;
    config.data_share_hosts = data_share_hosts;
    config.stall_after = std::chrono::seconds(stall_seconds);
    tunggal::abis::FetchLimits fetch_limits;
    fetch_limits.total_timeout = std::chrono::seconds(fetch_seconds);
    config.fetch = tunggal::abis::curl_fetcher(fetch_limits);
    if (data_share_hosts.empty())
      std::cerr << "tunggald: no --data-share-host: referenceURLs on any host will be fetched\n";
    auto service = tunggal::abis::Service::open(config);
    if (const auto pending = service->pending_jobs(); pending > 0) {
      // Accepted before a crash, never answered: finished now; a transport
      // that re-delivers them gets the recorded answer.
      const auto answers = service->resume();
      std::cerr << "tunggald: finished " << answers.size() << " job(s) left by the last run\n";
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::unique_ptr<tunggal::abis::BrokerWorker> worker;
    std::unique_ptr<tunggal::abis::HttpServer> server;
    std::thread broker_thread;
    if (!http.empty()) {
      if (token_file.empty()) throw tunggal::Error(tunggal::ErrorCode::invalid_argument, "--http needs --token-file");
      tunggal::abis::HttpConfig h;
      std::tie(h.host, h.port) = host_port(http, "--http");
      h.tokens = tunggal::abis::load_token_file(token_file);
      h.cert = tls_cert;
      h.key = tls_key;
      h.client_ca = client_ca;
      h.threads = threads;
      h.limits.request_deadline = std::chrono::seconds(http_deadline);
      server = std::make_unique<tunggal::abis::HttpServer>(*service, h);
    }
    if (!broker.empty()) {
      tunggal::abis::BrokerConfig b;
      std::tie(b.host, b.port) = host_port(broker, "--broker");
      b.user = broker_user;
      if (!broker_password_file.empty()) b.password = first_line(broker_password_file);
      b.inbound = inbound;
      b.outbound = outbound;
      worker = std::make_unique<tunggal::abis::BrokerWorker>(*service, b);
      broker_thread = std::thread([&] { worker->run(g_stop); });
    }
    std::cerr << "tunggald " << tunggal::version() << ": " << service->reference_count() << " references"
              << (broker.empty() ? "" : "; broker " + broker + " (" + inbound + " -> " + outbound + ")")
              << (http.empty() ? "" : "; http " + http) << "\n";
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::cerr << "tunggald: stopping\n";
    if (server) server->stop();
    if (broker_thread.joinable()) broker_thread.join();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "tunggald: " << e.what() << "\n";
    return 2;
  }
}
