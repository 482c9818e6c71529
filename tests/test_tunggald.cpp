// tunggald as MOSIP meets it: a real ActiveMQ (tests/services/activemq.sh,
// STOMP with a login), CBEFF documents made from real FVC prints served by a
// loopback data share, the daemon run as its own process. The conversation
// (every operation, the order rule, replays, the failure cases, text and
// bytes messages), the kill test (SIGKILL under load, restarts, nothing
// acknowledged lost or doubled) and the HTTP transport.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "gallery_support.h"
#include "test_support.h"
#include "tunggal/abis/broker.h"
#include "tunggal/abis/cbeff.h"
#include "tunggal/sdk/session.h"

namespace tunggal::abis {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The loopback data share: URL path -> CBEFF document.
class DataShare {
 public:
  DataShare() {
    server_.Get(R"(/share/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      const auto it = docs_.find(req.matches[1]);
      if (it == docs_.end()) {
        res.status = 404;
        return;
      }
      res.set_content(it->second, "application/xml");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~DataShare() {
    server_.stop();
    thread_.join();
  }
  std::string put(const std::string& name, const std::string& doc) {
    std::lock_guard lock(mu_);
    docs_[name] = doc;
    return "http://127.0.0.1:" + std::to_string(port_) + "/share/" + name;
  }
  std::string put_finger(const std::string& name, const std::filesystem::path& image) {
    CbeffSample s;
    s.modality = Modality::finger;
    s.subtype = "Left IndexFinger";
    s.format_type = 7;
    s.quality = 80;
    s.bdb = encode_finger_image_record(read_gray_image(image), FingerPosition::left_index, 80, 5);
    CbeffDocument d;
    d.samples.push_back(std::move(s));
    return put(name, encode_cbeff(d));
  }
  std::string missing() const { return "http://127.0.0.1:" + std::to_string(port_) + "/share/none"; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::map<std::string, std::string> docs_;
};

// tunggald as a child process.
class Daemon {
 public:
  Daemon(std::vector<std::string> args, std::filesystem::path log) : args_(std::move(args)), log_(std::move(log)) { start(); }
  ~Daemon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      std::string tool = TUNGGALD_TOOL;
      argv.push_back(tool.data());
      for (auto& a : args_) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(tool.c_str(), argv.data());
      ::_exit(127);
    }
  }
  void kill9() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  int terminate() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string log() const {
    std::ifstream in(log_);
    return {std::istreambuf_iterator<char>(in), {}};
  }

 private:
  std::vector<std::string> args_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

std::string request(const std::string& op, const std::string& rid, const Json& extra = Json::object()) {
  Json j = Json::object();
  j["id"] = "mosip.abis." + op;
  j["version"] = "1.1";
  j["requestId"] = rid;
  j["requesttime"] = "2026-12-01T08:00:00.000Z";
  for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  return j.dump();
}

// MOSIP's side of the queues: sends requests, collects every answer.
class Mosip {
 public:
  Mosip(int port, const std::string& password, const std::string& inbound, const std::string& outbound)
      : producer_("127.0.0.1", port, "tunggal", password), inbound_(inbound) {
    consumer_ = std::thread([this, port, password, outbound] {
      StompClient c("127.0.0.1", port, "tunggal", password);
      c.subscribe(outbound);
      while (!stop_) {
        auto m = c.receive(100ms);
        if (!m || m->command != "MESSAGE") continue;
        const Json a = Json::parse(m->body, nullptr, false);
        std::lock_guard lock(mu_);
        answers_[a.is_object() ? a.value("requestId", "") : "?"].push_back({a, m->header("content-length") != nullptr});
        c.ack(*m);
      }
    });
  }
  ~Mosip() {
    stop_ = true;
    consumer_.join();
  }
  void send(const std::string& body, bool bytes = false) { producer_.send(inbound_, body, bytes); }
  struct Answer {
    Json body;
    bool bytes = false;
  };
  // Waits until every id has at least one answer.
  bool wait(const std::vector<std::string>& ids, std::chrono::seconds timeout = 120s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      {
        std::lock_guard lock(mu_);
        if (std::all_of(ids.begin(), ids.end(), [&](const auto& id) { return answers_.count(id) > 0; })) return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  std::vector<Answer> of(const std::string& id) {
    std::lock_guard lock(mu_);
    return answers_[id];
  }

 private:
  StompClient producer_;
  std::string inbound_;
  std::thread consumer_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, std::vector<Answer>> answers_;
};

struct Broker {
  int port = 0;
  std::string password;
  static std::optional<Broker> from_env() {
    const std::string state = env("TUNGGAL_ACTIVEMQ_STATE");
    if (state.empty()) return std::nullopt;
    std::ifstream in(std::filesystem::path(state) / "broker.password");
    Broker b;
    std::getline(in, b.password);
    b.port = std::stoi(env("TUNGGAL_ACTIVEMQ_PORT"));
    if (b.password.empty()) return std::nullopt;
    return b;
  }
};

#define REQUIRE_BROKER(var)                                                                      \
  const auto var##_opt = Broker::from_env();                                                     \
  if (!var##_opt) TUNGGAL_SKIP_OR_FAIL_IN_CI("no ActiveMQ (tests/services/activemq.sh did not start one)"); \
  const Broker& var = *var##_opt

std::vector<std::string> candidates(const Json& a) {
  std::vector<std::string> out;
  if (a.contains("candidateList"))
    for (const auto& c : a["candidateList"]["candidates"]) out.push_back(c["referenceId"]);
  return out;
}

TEST(Tunggald, AMosipConversationThroughActiveMq) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  REQUIRE_BROKER(broker);
  const auto db = data / "fvc2002" / "DB1_B";
  const auto dir = test::fresh_dir("tunggald_conversation");
  std::filesystem::create_directories(dir);
  const auto pw = dir / "broker.password";
  {
    std::ofstream(pw) << broker.password << "\n";
  }
  const std::string in = "mosip-to-abis-conv-" + std::to_string(::getpid()), out = "abis-to-mosip-conv-" + std::to_string(::getpid());
  DataShare share;
  Daemon daemon({"--gallery", (dir / "abis").string(), "--broker", "127.0.0.1:" + std::to_string(broker.port),
                 "--broker-user", "tunggal", "--broker-password-file", pw.string(), "--inbound", in, "--outbound", out,
                 "--no-face"},
                dir / "daemon.log");
  Mosip mosip(broker.port, broker.password, in, out);
  for (int f = 1; f <= 3; ++f)
    mosip.send(request("insert", "ins-" + std::to_string(f),
                       {{"referenceId", "P" + std::to_string(f)},
                        {"referenceURL", share.put_finger("p" + std::to_string(f), db / ("10" + std::to_string(f) + "_1.tif"))}}));
  const std::string probe = share.put_finger("probe", db / "101_2.tif");
  // Queued right behind the inserts: it must see them (the order rule).
  mosip.send(request("identify", "id-all", {{"referenceId", "Q1"}, {"referenceUrl", probe}, {"gallery", nullptr},
                                            {"flags", {{"maxResults", "10"}, {"targetFPIR", "30"}}}}));
  mosip.send(request("identify", "id-some", {{"referenceId", "Q1"}, {"referenceURL", probe},
                                             {"gallery", {{"referenceIds", {{{"referenceId", "P2"}}, {{"referenceId", "P3"}}}}}}}),
             /*bytes=*/true);
  mosip.send(request("identify", "id-self", {{"referenceId", "P1"}}));
  mosip.send(request("insert", "ins-1", {{"referenceId", "P1"}, {"referenceURL", share.put_finger("p1", db / "101_1.tif")}}));
  mosip.send(request("insert", "ins-dup", {{"referenceId", "P1"}, {"referenceURL", share.put_finger("p1", db / "101_1.tif")}}));
  mosip.send(request("insert", "ins-404", {{"referenceId", "P9"}, {"referenceURL", share.missing()}}));
  mosip.send(request("insert", "ins-xml", {{"referenceId", "P8"}, {"referenceURL", share.put("bad", "<BIR><BIR>")}}));
  mosip.send(request("insert", "ins-nourl", {{"referenceId", "P7"}}));
  mosip.send(request("delete", "del-3", {{"referenceId", "P3"}}));
  mosip.send(request("ping", "ping"));
  mosip.send(request("pendingJobs", "pending"));
  mosip.send(request("referenceCount", "count"));
  mosip.send("{\"requestId\": \"broken\", this is not json");
  const std::vector<std::string> ids = {"ins-1", "ins-2", "ins-3", "id-all", "id-some", "id-self", "ins-dup", "ins-404",
                                        "ins-xml", "ins-nourl", "del-3", "ping", "pending", "count"};
  ASSERT_TRUE(mosip.wait(ids)) << daemon.log();
  const auto one = [&](const std::string& id) {
    const auto a = mosip.of(id);
    EXPECT_FALSE(a.empty()) << id;
    return a.empty() ? Json::object() : a.front().body;
  };
  for (const char* id : {"ins-2", "ins-3", "del-3", "ping", "pending", "count"}) EXPECT_EQ(one(id)["returnValue"], "1") << id;
  // ins-1 twice with one requestId: answered both times, the same way.
  const auto twice = mosip.of("ins-1");
  ASSERT_EQ(twice.size(), 2u);
  EXPECT_EQ(twice[0].body, twice[1].body);
  EXPECT_EQ(twice[0].body["returnValue"], "1");
  EXPECT_EQ(candidates(one("id-all")), std::vector<std::string>{"P1"}) << one("id-all").dump();
  EXPECT_TRUE(candidates(one("id-some")).empty()) << one("id-some").dump();
  EXPECT_EQ(one("id-some")["returnValue"], "1");
  EXPECT_TRUE(mosip.of("id-some").front().bytes);  // answered in the kind received
  EXPECT_FALSE(mosip.of("id-all").front().bytes);
  EXPECT_TRUE(candidates(one("id-self")).empty());
  EXPECT_EQ(one("ins-dup")["failureReason"], "10");
  EXPECT_EQ(one("ins-404")["failureReason"], "7");
  EXPECT_EQ(one("ins-xml")["failureReason"], "16");
  EXPECT_EQ(one("ins-nourl")["failureReason"], "8");
  EXPECT_EQ(one("pending")["jobscount"], "0");
  EXPECT_EQ(one("count")["count"], "2");  // three inserted, one deleted before it
  // Not JSON: answered with 4, and no requestId to echo.
  EXPECT_TRUE(mosip.wait({""}, 10s));
  EXPECT_EQ(one("")["failureReason"], "4");
  EXPECT_EQ(daemon.terminate(), 0) << daemon.log();
  // Nothing personal in the log: no URL, no template bytes.
  EXPECT_EQ(daemon.log().find("/share/"), std::string::npos) << daemon.log();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tunggal::abis
