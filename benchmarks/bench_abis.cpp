// The ABIS load test: the same MOSIP requests (INSERT of generated people,
// then IDENTIFY of probes, half of them planted duplicates) through three
// doors into one kind of service: direct Service::handle calls (the
// baseline), HTTP (POST /abis, cpp-httplib), the broker (ActiveMQ over
// STOMP, when --broker is given), and the broker in front of three shards
// behind a coordinator. Every door fetches the CBEFF documents
// from the same loopback data share, so the difference is the transport.
// Concurrent producers; throughput and latency percentiles per operation;
// medians over --runs runs, each on a fresh gallery. Prints Markdown.
#include <CLI/CLI.hpp>
#include <httplib.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "tunggal/abis/broker.h"
#include "tunggal/abis/cbeff.h"
#include "tunggal/abis/coordinator.h"
#include "tunggal/abis/http.h"
#include "tunggal/abis/service.h"
#include "tunggal/datasets/population.h"
#include "tunggal/image.h"

using namespace tunggal;
using namespace tunggal::abis;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

namespace {

struct Share {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::map<std::string, std::string> docs;  // filled before serving
  void start() {
    server.Get(R"(/d/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      const auto it = docs.find(req.matches[1]);
      if (it == docs.end()) {
        res.status = 404;
        return;
      }
      res.set_content(it->second, "application/xml");
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~Share() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  std::string url(const std::string& name) const { return "http://127.0.0.1:" + std::to_string(port) + "/d/" + name; }
};

std::string request(const std::string& op, const std::string& rid, const Json& extra) {
  Json j = {{"id", "mosip.abis." + op}, {"version", "1.1"}, {"requestId", rid}, {"requesttime", "2026-12-01T08:00:00.000Z"}};
  for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  return j.dump();
}

struct Stats {
  double per_second = 0, p50 = 0, p95 = 0, p99 = 0;
  std::size_t failures = 0;
};

Stats stats_of(std::vector<double> ms, double seconds, std::size_t failures) {
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) { return ms.empty() ? 0 : ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))]; };
  return {ms.size() / seconds, at(0.5), at(0.95), at(0.99), failures};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// A door: send a request body, get (eventually) its answer.
using Door = std::function<std::string(const std::string&)>;

// Runs `bodies` through `door` with `producers` threads; latency per request.
Stats drive(const Door& door, const std::vector<std::string>& bodies, int producers) {
  std::vector<double> ms(bodies.size());
  std::atomic<std::size_t> next{0}, failures{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&] {
      for (std::size_t i; (i = next++) < bodies.size();) {
        const auto s = Clock::now();
        const Json a = Json::parse(door(bodies[i]), nullptr, false);
        ms[i] = std::chrono::duration<double, std::milli>(Clock::now() - s).count();
        if (!a.is_object() || a.value("returnValue", "") != "1") ++failures;
      }
    });
  for (auto& t : threads) t.join();
  return stats_of(ms, std::chrono::duration<double>(Clock::now() - t0).count(), failures.load());
}

// The broker as a door: producers send; one consumer matches answers to
// requestIds and wakes the sender.
class BrokerDoor {
 public:
  BrokerDoor(int port, const std::string& password, const std::string& in, const std::string& out)
      : port_(port), password_(password), in_(in) {
    consumer_ = std::thread([this, out] {
      StompClient c("127.0.0.1", port_, "tunggal", password_);
      c.subscribe(out);
      while (!stop_) {
        auto m = c.receive(std::chrono::milliseconds(50));
        if (!m || m->command != "MESSAGE") continue;
        const Json a = Json::parse(m->body, nullptr, false);
        c.ack(*m);
        std::lock_guard lock(mu_);
        answers_[a.is_object() ? a.value("requestId", "") : ""] = m->body;
        cv_.notify_all();
      }
    });
  }
  ~BrokerDoor() {
    stop_ = true;
    consumer_.join();
  }
  std::string call(const std::string& body) {
    thread_local std::unique_ptr<StompClient> producer;
    if (!producer) producer = std::make_unique<StompClient>("127.0.0.1", port_, "tunggal", password_);
    const std::string rid = Json::parse(body)["requestId"];
    producer->send(in_, body, false);
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return answers_.count(rid) > 0; });
    return answers_[rid];
  }

 private:
  int port_;
  std::string password_, in_;
  std::thread consumer_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::string> answers_;
};

}  // namespace

int main(int argc, char** argv) {
  limit_opencv_for_children();
  CLI::App app{"bench_abis: the ABIS through direct calls, HTTP and the broker"};
  std::size_t people = 200, probes = 50;
  int producers = 4, runs = 3, fingers = 2;
  std::string broker, password_file, work = "build/bench_abis";
  app.add_option("--people", people, "Gallery size (generated people)")->capture_default_str();
  app.add_option("--probes", probes, "Identifications (half planted duplicates)")->capture_default_str();
  app.add_option("--fingers", fingers, "Fingers per person")->capture_default_str();
  app.add_option("--producers", producers, "Concurrent producers")->capture_default_str();
  app.add_option("--runs", runs, "Runs (medians reported)")->capture_default_str();
  app.add_option("--broker", broker, "ActiveMQ STOMP HOST:PORT (user tunggal)");
  app.add_option("--broker-password-file", password_file, "The broker password's file");
  app.add_option("--work", work, "Scratch folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // The people and probes, rendered once, as MOSIP would serve them.
  datasets::PopulationParams pp;
  pp.seed = 2026;
  pp.people = people;
  pp.probes = probes;
  pp.duplicate_fraction = 0.5;
  pp.images = true;
  pp.fingers = fingers;
  const auto plan = datasets::plan_population(pp);
  Share share;
  std::vector<std::string> names(plan.records.size()), docs(plan.records.size());
  tbb::parallel_for(std::size_t{0}, plan.records.size(), [&](std::size_t i) {
    const auto g = datasets::generate_record(pp, plan.records[i]);
    CbeffDocument d;
    for (std::size_t f = 0; f < g.images.size(); ++f) {
      CbeffSample s;
      s.modality = Modality::finger;
      s.format_type = 7;
      const auto pos = g.record.fingers[f].position;
      s.subtype = std::string(static_cast<int>(pos) <= 5 ? "Right " : "Left ") + "Finger" + std::to_string(static_cast<int>(pos));
      s.position = pos;
      s.bdb = encode_finger_image_record(g.images[f], pos, 80, 5);
      d.samples.push_back(std::move(s));
    }
    names[i] = plan.records[i].record_id;
    docs[i] = encode_cbeff(d);
  });
  for (std::size_t i = 0; i < names.size(); ++i) share.docs[names[i]] = docs[i];
  share.start();

  std::string password;
  if (!password_file.empty()) std::getline(std::ifstream(password_file), password);
  std::map<std::string, std::map<std::string, std::vector<Stats>>> results;  // door -> op -> runs
  const auto unit = std::to_string(::getpid());
  for (int run = 0; run < runs; ++run) {
    for (const std::string door_name : {"direct", "http", "broker", "broker-3-shards"}) {
      if (door_name.rfind("broker", 0) == 0 && broker.empty()) continue;
      const auto dir = std::filesystem::path(work) / (door_name + "_" + std::to_string(run));
      std::filesystem::remove_all(dir);
      ServiceConfig c;
      c.dir = dir;
      c.session.face = false;
      auto svc = Service::open(c);
      std::unique_ptr<HttpServer> http;
      std::unique_ptr<httplib::Client> client;
      std::unique_ptr<BrokerWorker> worker;
      std::unique_ptr<BrokerDoor> bdoor;
      std::atomic<bool> stop{false};
      std::thread worker_thread;
      std::vector<std::unique_ptr<Service>> shard_services;
      std::vector<std::unique_ptr<BrokerWorker>> shard_workers;
      std::vector<std::thread> shard_threads;
      std::unique_ptr<Coordinator> coordinator;
      Door door;
      const std::string token = "bench-token-0123456789abcdef";
      if (door_name == "direct") {
        door = [&](const std::string& b) { return svc->handle(b); };
      } else if (door_name == "http") {
        HttpConfig h;
        h.tokens = {full_grant(token)};
        h.threads = producers;
        http = std::make_unique<HttpServer>(*svc, h);
        const int port = http->port();
        door = [port, token](const std::string& b) {
          thread_local std::unique_ptr<httplib::Client> cl;
          if (!cl) {
            cl = std::make_unique<httplib::Client>("127.0.0.1", port);
            cl->set_read_timeout(120, 0);
          }
          auto r = cl->Post("/abis", {{"Authorization", "Bearer " + token}}, b, "application/json");
          return r ? r->body : std::string("{}");
        };
      } else if (door_name == "broker") {
        BrokerConfig b;
        const auto colon = broker.rfind(':');
        b.host = broker.substr(0, colon);
        b.port = std::stoi(broker.substr(colon + 1));
        b.user = "tunggal";
        b.password = password;
        b.inbound = "bench-in-" + unit + "-" + std::to_string(run);
        b.outbound = "bench-out-" + unit + "-" + std::to_string(run);
        worker = std::make_unique<BrokerWorker>(*svc, b);
        worker_thread = std::thread([&] { worker->run(stop); });
        bdoor = std::make_unique<BrokerDoor>(b.port, password, b.inbound, b.outbound);
        door = [&](const std::string& body) { return bdoor->call(body); };
      } else {
        // Three shard services and a coordinator, as three tunggald shard
        // processes and one coordinator would run (here threads of one process).
        const auto colon = broker.rfind(':');
        const std::string host = broker.substr(0, colon);
        const int port = std::stoi(broker.substr(colon + 1));
        const std::string prefix = "bench-shard-" + unit + "-" + std::to_string(run);
        for (int k = 0; k < 3; ++k) {
          ServiceConfig sc;
          sc.dir = dir / ("shard" + std::to_string(k));
          sc.session.face = false;
          shard_services.push_back(Service::open(sc));
          BrokerConfig b{host, port, "tunggal", password, prefix + "-" + std::to_string(k), prefix + "-" + std::to_string(k) + "-out"};
          shard_workers.push_back(std::make_unique<BrokerWorker>(*shard_services.back(), b));
        }
        for (auto& w : shard_workers) shard_threads.emplace_back([&stop, wp = w.get()] { wp->run(stop); });
        CoordinatorConfig cc;
        cc.dir = dir / "coordinator";
        cc.broker = {host, port, "tunggal", password, "bench-in-" + unit + "-" + std::to_string(run) + "-c",
                     "bench-out-" + unit + "-" + std::to_string(run) + "-c"};
        cc.shards = 3;
        cc.shard_prefix = prefix;
        coordinator = std::make_unique<Coordinator>(cc);
        worker_thread = std::thread([&] { coordinator->run(stop); });
        bdoor = std::make_unique<BrokerDoor>(port, password, cc.broker.inbound, cc.broker.outbound);
        door = [&](const std::string& body) { return bdoor->call(body); };
      }
      std::vector<std::string> inserts, identifies;
      for (std::size_t i = 0; i < plan.records.size(); ++i) {
        const auto& r = plan.records[i];
        if (!r.probe)
          inserts.push_back(request("insert", "i-" + r.record_id, {{"referenceId", r.record_id}, {"referenceURL", share.url(r.record_id)}}));
        else
          // A probe by URL carries no referenceId: a given one is the probe and must be enrolled.
          identifies.push_back(request("identify", "q-" + r.record_id, {{"referenceURL", share.url(r.record_id)}}));
      }
      results[door_name]["INSERT"].push_back(drive(door, inserts, producers));
      results[door_name]["IDENTIFY"].push_back(drive(door, identifies, producers));
      stop = true;
      bdoor.reset();
      if (worker_thread.joinable()) worker_thread.join();
      for (auto& t : shard_threads) t.join();
      if (http) http->stop();
      std::filesystem::remove_all(dir);
    }
  }
  std::cout << "| door | operation | requests | per second | p50 ms | p95 ms | p99 ms | failures | throughput vs direct |\n"
            << "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const std::string op : {"INSERT", "IDENTIFY"}) {
    double base = 0;
    for (const std::string door : {"direct", "http", "broker", "broker-3-shards"}) {
      if (!results.count(door)) continue;
      const auto& rs = results[door][op];
      std::vector<double> tps, p50, p95, p99;
      std::size_t failures = 0;
      for (const auto& s : rs) {
        tps.push_back(s.per_second);
        p50.push_back(s.p50);
        p95.push_back(s.p95);
        p99.push_back(s.p99);
        failures += s.failures;
      }
      const double t = median(tps);
      if (door == "direct") base = t;
      std::printf("| %s | %s | %zu | %.1f | %.1f | %.1f | %.1f | %zu | %.2f |\n", door.c_str(), op.c_str(),
                  op == "INSERT" ? plan.gallery : plan.probes, t, median(p50), median(p95), median(p99), failures,
                  base > 0 ? t / base : 0.0);
    }
  }
  return 0;
}
