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

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "gallery_support.h"
#include "test_support.h"
#include "tunggal/abis/broker.h"
#include "tunggal/abis/cbeff.h"
#include "tunggal/abis/coordinator.h"
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
  int wait_exit() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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

// A test's folder, its queues (named for the test and the process) and the
// daemon's arguments for the broker.
struct BrokerCase {
  std::filesystem::path dir;
  std::string in, out;
  std::vector<std::string> args;
  BrokerCase(const std::string& name, const Broker& broker) : dir(test::fresh_dir("tunggald_" + name)) {
    std::filesystem::create_directories(dir);
    const auto pw = dir / "broker.password";
    std::ofstream(pw) << broker.password << "\n";
    in = "mosip-to-abis-" + name + "-" + std::to_string(::getpid());
    out = "abis-to-mosip-" + name + "-" + std::to_string(::getpid());
    args = {"--gallery", (dir / "abis").string(), "--broker", "127.0.0.1:" + std::to_string(broker.port), "--broker-user",
            "tunggal", "--broker-password-file", pw.string(), "--inbound", in, "--outbound", out, "--no-face"};
  }
  ~BrokerCase() { std::filesystem::remove_all(dir); }
};

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
  const BrokerCase t("conv", broker);
  DataShare share;
  Daemon daemon(t.args, t.dir / "daemon.log");
  Mosip mosip(broker.port, broker.password, t.in, t.out);
  for (int f = 1; f <= 3; ++f)
    mosip.send(request("insert", "ins-" + std::to_string(f),
                       {{"referenceId", "P" + std::to_string(f)},
                        {"referenceURL", share.put_finger("p" + std::to_string(f), db / ("10" + std::to_string(f) + "_1.tif"))}}));
  const std::string probe = share.put_finger("probe", db / "101_2.tif");
  // Queued right behind the inserts: it must see them (the order rule).
  mosip.send(request("identify", "id-all", {{"referenceUrl", probe}, {"gallery", nullptr},
                                            {"flags", {{"maxResults", "10"}, {"targetFPIR", "30"}}}}));
  mosip.send(request("identify", "id-some", {{"referenceURL", probe},
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
}

TEST(Tunggald, ThreeShardsAnswerAsOneProcessDoes) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  REQUIRE_BROKER(broker);
  const auto db = data / "fvc2002" / "DB1_B";
  const BrokerCase single("single", broker), coord("coord", broker);
  const std::string prefix = "abis-shard-" + std::to_string(::getpid());
  std::vector<std::unique_ptr<Daemon>> shards;
  for (int k = 0; k < 3; ++k) {
    auto args = coord.args;
    args[1] = (coord.dir / ("shard" + std::to_string(k))).string();
    args[9] = prefix + "-" + std::to_string(k);           // --inbound
    args[11] = prefix + "-" + std::to_string(k) + "-out";  // --outbound
    shards.push_back(std::make_unique<Daemon>(args, coord.dir / ("shard" + std::to_string(k) + ".log")));
  }
  auto co_args = coord.args;
  co_args[1] = (coord.dir / "coordinator").string();
  for (const char* a : {"--coordinator", "--shards", "3", "--shard-prefix"}) co_args.push_back(a);
  co_args.push_back(prefix);
  co_args.push_back("--shard-timeout");
  co_args.push_back("5");
  Daemon coordinator(co_args, coord.dir / "coordinator.log");
  Daemon one(single.args, single.dir / "daemon.log");
  DataShare share;
  Mosip to_one(broker.port, broker.password, single.in, single.out);
  Mosip to_shards(broker.port, broker.password, coord.in, coord.out);
  std::vector<std::string> ids;
  const auto both = [&](const std::string& body) {
    to_one.send(body);
    to_shards.send(body);
    ids.push_back(Json::parse(body)["requestId"]);
  };
  for (int f = 1; f <= 10; ++f) {
    const std::string ref = "S" + std::to_string(f), file = std::to_string(100 + f) + "_1.tif";
    both(request("insert", "ins-" + ref, {{"referenceId", ref}, {"referenceURL", share.put_finger(ref, db / file)}}));
  }
  for (int f = 1; f <= 10; ++f) {
    const std::string ref = "Q" + std::to_string(f), file = std::to_string(100 + f) + "_2.tif";
    both(request("identify", "id-" + ref, {{"referenceURL", share.put_finger(ref, db / file)}}));
  }
  both(request("identify", "id-by-ref", {{"referenceId", "S3"}}));
  both(request("identify", "id-gallery", {{"referenceURL", share.put_finger("q9b", db / "101_3.tif")},
                                          {"gallery", {{"referenceIds", {{{"referenceId", "S1"}}, {{"referenceId", "S2"}}}}}}}));
  both(request("referenceCount", "count-1"));
  both(request("delete", "del-S4", {{"referenceId", "S4"}}));
  both(request("referenceCount", "count-2"));
  both(request("pendingJobs", "pending"));
  ASSERT_TRUE(to_one.wait(ids)) << one.log();
  ASSERT_TRUE(to_shards.wait(ids)) << coordinator.log();
  std::size_t with_candidates = 0;
  for (const auto& id : ids) {
    const Json a = to_one.of(id).front().body, b = to_shards.of(id).front().body;
    EXPECT_EQ(a["returnValue"], b["returnValue"]) << id << "\n" << a.dump() << "\n" << b.dump();
    EXPECT_EQ(candidates(a), candidates(b)) << id << "\n" << a.dump() << "\n" << b.dump();
    EXPECT_EQ(a.value("count", ""), b.value("count", "")) << id;
    with_candidates += !candidates(b).empty();
  }
  EXPECT_GE(with_candidates, 8u);  // the second impressions find their first
  EXPECT_EQ(to_shards.of("count-1").front().body["count"], "10");
  EXPECT_EQ(to_shards.of("count-2").front().body["count"], "9");
  EXPECT_EQ(candidates(to_shards.of("id-gallery").front().body), std::vector<std::string>{"S1"});
  // The people are spread over the shards.
  std::set<int> owners;
  for (int f = 1; f <= 10; ++f) owners.insert(shard_of("S" + std::to_string(f), 3));
  EXPECT_EQ(owners.size(), 3u);
  // A shard that does not answer fails the request, not a partial answer.
  shards[1]->kill9();
  to_shards.send(request("identify", "id-down", {{"referenceURL", share.put_finger("qd", db / "101_4.tif")}}));
  ASSERT_TRUE(to_shards.wait({"id-down"}, 60s)) << coordinator.log();
  EXPECT_EQ(to_shards.of("id-down").front().body["failureReason"], "2") << to_shards.of("id-down").front().body.dump();
  EXPECT_EQ(coordinator.terminate(), 0) << coordinator.log();
  EXPECT_EQ(one.terminate(), 0);
}

TEST(Tunggald, KillNineUnderLoadLosesNothingAndDoublesNothing) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  REQUIRE_BROKER(broker);
  const auto db = data / "fvc2002" / "DB1_B";
  const BrokerCase t("kill", broker);
  DataShare share;
  Mosip mosip(broker.port, broker.password, t.in, t.out);
  // 30 people: FVC fingers 101-110, three impressions each, as different references.
  std::vector<std::string> ids, bodies;
  for (int f = 1; f <= 10; ++f)
    for (int i = 1; i <= 3; ++i) {
      const std::string ref = std::string("K").append(std::to_string(f)).append("_").append(std::to_string(i));
      const std::string file = std::to_string(100 + f) + "_" + std::to_string(i) + ".tif";
      bodies.push_back(request("insert", "kill-" + ref, {{"referenceId", ref}, {"referenceURL", share.put_finger(ref, db / file)}}));
      mosip.send(bodies.back());
      ids.push_back("kill-" + ref);
    }
  // Some sent twice (MOSIP re-sends the same message): answered the same
  // way. (Another body under a used requestId is refused: AbisService.)
  for (int k = 0; k < 30; k += 7) mosip.send(bodies[static_cast<std::size_t>(k)]);
  std::mt19937 rng(2026);
  int kills = 0;
  {
    Daemon daemon(t.args, t.dir / "daemon.log");
    for (int round = 0; round < 6; ++round) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 700)(rng)));
      daemon.kill9();
      ++kills;
      daemon.start();
    }
    ASSERT_TRUE(mosip.wait(ids, 300s)) << daemon.log();
    std::this_thread::sleep_for(500ms);  // re-deliveries of the last acks, if any
    EXPECT_EQ(daemon.terminate(), 0) << daemon.log();
    const std::string log = daemon.log();
    std::size_t resumed = 0;
    for (std::size_t at = 0; (at = log.find("job(s) left by the last run", at)) != std::string::npos; ++at) ++resumed;
    std::cout << "restarts that found a job cut short: " << resumed << "\n";
  }
  EXPECT_EQ(kills, 6);
  // What the kills did: jobs finished on restart, answers sent again for
  // messages the broker re-delivered.
  std::size_t resent = 0;
  for (const auto& id : ids) resent += mosip.of(id).size() > 1;
  std::cout << "kills " << kills << ", requests answered more than once (all the same way) " << resent << "\n";
  std::set<std::string> succeeded;
  for (const auto& id : ids) {
    const auto answers = mosip.of(id);
    ASSERT_FALSE(answers.empty()) << id;
    for (const auto& a : answers) {
      // Every answer to one requestId is the same answer (a replay of the
      // first, or the job finished the way it began).
      EXPECT_EQ(a.body, answers.front().body) << id;
    }
    EXPECT_EQ(answers.front().body["returnValue"], "1") << id << " " << answers.front().body.dump();
    if (answers.front().body["returnValue"] == "1") succeeded.insert(id.substr(5));
  }
  // Every reference answered with success is in the gallery, once.
  sdk::SessionConfig c;
  c.gallery = t.dir / "abis" / "gallery";
  c.gallery_key_file = t.dir / "abis" / "secret.key";  // the daemon seals its gallery
  c.access = GalleryAccess::read_only;
  c.face = false;
  sdk::Session gallery(c);
  EXPECT_EQ(gallery.count(), succeeded.size());
  for (const auto& ref : succeeded) EXPECT_TRUE(gallery.contains(ref)) << ref;
  EXPECT_FALSE(gallery.contains("K-again"));
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(Tunggald, HttpWithBearerTokensAndGrants) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  const auto db = data / "fvc2002" / "DB1_B";
  const auto dir = test::fresh_dir("tunggald_http");
  std::filesystem::create_directories(dir);
  const std::string full = "full-access-token-0123456789", pinger = "ping-only-token-0123456789";
  const auto tokens = dir / "tokens";
  {
    std::ofstream(tokens) << "# callers\n" << full << "\n" << pinger << " ping\n";
  }
  // A token file others can read is refused.
  std::filesystem::permissions(tokens, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                           std::filesystem::perms::group_read);
  const int port = free_port();
  const std::vector<std::string> args = {"--gallery", (dir / "abis").string(), "--http", "127.0.0.1:" + std::to_string(port),
                                         "--token-file", tokens.string(), "--no-face"};
  {
    Daemon refused(args, dir / "refused.log");
    EXPECT_EQ(refused.wait_exit(), 2) << refused.log();
    EXPECT_NE(refused.log().find("owner-only"), std::string::npos) << refused.log();
  }
  std::filesystem::permissions(tokens, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Daemon daemon(args, dir / "daemon.log");
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(60, 0);
  for (int i = 0; i < 200; ++i) {
    if (auto r = http.Get("/healthz"); r && r->status == 200) break;
    std::this_thread::sleep_for(50ms);
  }
  auto health = http.Get("/healthz");  // open to all
  ASSERT_TRUE(health) << daemon.log();
  EXPECT_EQ(health->status, 200);
  DataShare share;
  const std::string insert = request("insert", "h-1", {{"referenceId", "H1"}, {"referenceURL", share.put_finger("h1", db / "105_1.tif")}});
  EXPECT_EQ(http.Post("/abis", insert, "application/json")->status, 401);
  const httplib::Headers wrong = {{"Authorization", "Bearer not-a-token-of-ours"}};
  EXPECT_EQ(http.Post("/abis", wrong, insert, "application/json")->status, 401);
  const httplib::Headers ping_only = {{"Authorization", "Bearer " + pinger}};
  EXPECT_EQ(http.Post("/abis", ping_only, insert, "application/json")->status, 403);
  EXPECT_EQ(http.Post("/abis", ping_only, request("ping", "h-ping"), "application/json")->status, 200);
  EXPECT_EQ(http.Get("/metrics", ping_only)->status, 403);
  const httplib::Headers ok = {{"Authorization", "Bearer " + full}};
  auto r = http.Post("/abis", ok, insert, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Json::parse(r->body)["returnValue"], "1") << r->body;
  auto id = http.Post("/abis", ok,
                      request("identify", "h-2", {{"referenceURL", share.put_finger("q", db / "105_2.tif")}}),
                      "application/json");
  ASSERT_TRUE(id);
  EXPECT_EQ(candidates(Json::parse(id->body)), std::vector<std::string>{"H1"}) << id->body;
  // The same request again: the same body.
  EXPECT_EQ(http.Post("/abis", ok, insert, "application/json")->body, r->body);
  auto m = http.Get("/metrics", ok);
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("tunggald_inserts_total 1"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("tunggald_http_unauthorised_total 4"), std::string::npos) << m->body;
  EXPECT_EQ(http.Get("/metrics")->status, 401);
  EXPECT_EQ(daemon.terminate(), 0) << daemon.log();
  std::filesystem::remove_all(dir);
}

// The review's finding (2026-12-07): four clients sending their heads a
// byte a second stopped every endpoint of a daemon with the default four
// HTTP threads, /healthz included. Now: eight of them, and health, metrics
// and an ABIS request answer meanwhile; the slow ones are closed at the
// request deadline.
TEST(Tunggald, SlowClientsDoNotFreezeTheDaemon) {
  const auto dir = test::fresh_dir("tunggald_slow");
  std::filesystem::create_directories(dir);
  const std::string token = "slow-clients-token-0123456789";
  const auto tokens = dir / "tokens";
  {
    std::ofstream(tokens) << token << "\n";
  }
  std::filesystem::permissions(tokens, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const int port = free_port();
  Daemon daemon({"--gallery", (dir / "abis").string(), "--http", "127.0.0.1:" + std::to_string(port), "--token-file",
                 tokens.string(), "--no-face", "--http-deadline", "2"},
                dir / "daemon.log");
  httplib::Client http("127.0.0.1", port);
  http.set_connection_timeout(5, 0);
  http.set_read_timeout(5, 0);
  bool up = false;
  for (int i = 0; i < 400 && !up; ++i) {
    if (auto r = http.Get("/healthz"); r && r->status == 200) up = true;
    else std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(up) << daemon.log();
  // Eight connections, each sending its head a byte every 200 ms.
  std::vector<int> slow;
  for (int i = 0; i < 8; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    slow.push_back(fd);
  }
  std::atomic<bool> stop{false};
  std::vector<bool> closed(slow.size(), false);
  std::mutex mu;
  std::thread dribble([&] {
    const std::string head = "POST /abis HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ";
    for (std::size_t at = 0; !stop; ++at) {
      for (std::size_t i = 0; i < slow.size(); ++i) {
        std::lock_guard lock(mu);
        if (closed[i]) continue;
        const char c = at < head.size() ? head[at] : 'x';
        if (::send(slow[i], &c, 1, MSG_NOSIGNAL) != 1) closed[i] = true;
      }
      std::this_thread::sleep_for(200ms);
    }
  });
  std::this_thread::sleep_for(500ms);
  const httplib::Headers ok = {{"Authorization", "Bearer " + token}};
  const auto h = http.Get("/healthz");
  const auto m = http.Get("/metrics", ok);
  const auto p = http.Post("/abis", ok, request("ping", "slow-ping"), "application/json");
  EXPECT_TRUE(h && h->status == 200) << daemon.log();
  EXPECT_TRUE(m && m->status == 200);
  ASSERT_TRUE(p);
  EXPECT_EQ(Json::parse(p->body)["returnValue"], "1");
  // The deadline closes them (bounded wait).
  const auto until = std::chrono::steady_clock::now() + 30s;
  bool all = false;
  while (!all && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(100ms);
    std::lock_guard lock(mu);
    all = std::all_of(closed.begin(), closed.end(), [](bool b) { return b; });
  }
  stop = true;
  dribble.join();
  EXPECT_TRUE(all) << "slow clients were not closed at the deadline";
  const auto after = http.Get("/metrics", ok);
  ASSERT_TRUE(after);
  EXPECT_NE(after->body.find("tunggald_http_timed_out_total 8"), std::string::npos) << after->body;
  for (const int fd : slow) ::close(fd);
  EXPECT_EQ(daemon.terminate(), 0) << daemon.log();
  std::filesystem::remove_all(dir);
}

// The review's finding (2026-12-07): an INSERT whose referenceURL answered
// a byte a second blocked PING and /metrics for 29 s while /healthz said
// ok. Now PING and /metrics answer while it fetches, and /healthz says 503
// stalled past --stall-seconds.
TEST(Tunggald, ASlowDataShareStallsNeitherPingNorMetricsAndHealthSaysSo) {
  const auto dir = test::fresh_dir("tunggald_slowshare");
  std::filesystem::create_directories(dir);
  // A data share that sends its answer a byte every 100 ms for 4 s.
  const int share_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(share_fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  socklen_t len = sizeof sa;
  ::getsockname(share_fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::listen(share_fd, 4);
  const int share_port = ntohs(sa.sin_port);
  std::thread share([share_fd] {
    const int c = ::accept(share_fd, nullptr, nullptr);
    if (c < 0) return;
    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, '<');
    const auto until = std::chrono::steady_clock::now() + 4s;
    for (std::size_t i = 0; i < answer.size() && std::chrono::steady_clock::now() < until; ++i) {
      if (::send(c, &answer[i], 1, MSG_NOSIGNAL) != 1) break;
      std::this_thread::sleep_for(100ms);
    }
    ::close(c);
  });
  const std::string token = "slow-share-token-0123456789";
  const auto tokens = dir / "tokens";
  {
    std::ofstream(tokens) << token << "\n";
  }
  std::filesystem::permissions(tokens, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const int port = free_port();
  Daemon daemon({"--gallery", (dir / "abis").string(), "--http", "127.0.0.1:" + std::to_string(port), "--token-file",
                 tokens.string(), "--no-face", "--stall-seconds", "1"},
                dir / "daemon.log");
  httplib::Client http("127.0.0.1", port);
  http.set_connection_timeout(5, 0);
  http.set_read_timeout(30, 0);
  bool up = false;
  for (int i = 0; i < 400 && !up; ++i) {
    if (auto r = http.Get("/healthz"); r && r->status == 200) up = true;
    else std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(up) << daemon.log();
  const httplib::Headers ok = {{"Authorization", "Bearer " + token}};
  std::thread insert([&] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    c.Post("/abis", ok,
           request("insert", "slow-insert", {{"referenceId", "SLOW"}, {"referenceURL", "http://127.0.0.1:" + std::to_string(share_port) + "/doc"}}),
           "application/json");
  });
  std::this_thread::sleep_for(1500ms);  // fetching, past --stall-seconds
  httplib::Client quick("127.0.0.1", port);
  quick.set_read_timeout(2, 0);  // far less than the share takes
  const auto p = quick.Post("/abis", ok, request("ping", "ping-during"), "application/json");
  ASSERT_TRUE(p) << "PING waited for the slow data share";
  EXPECT_EQ(Json::parse(p->body)["returnValue"], "1");
  const auto m = quick.Get("/metrics", ok);
  ASSERT_TRUE(m) << "/metrics waited for the slow data share";
  EXPECT_NE(m->body.find("tunggald_stalled 1"), std::string::npos) << m->body;
  const auto h = quick.Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 503) << h->body;
  EXPECT_NE(h->body.find("\"stalled\""), std::string::npos) << h->body;
  EXPECT_NE(h->body.find("fetching"), std::string::npos) << h->body;
  insert.join();
  share.join();
  ::close(share_fd);
  const auto later = quick.Get("/healthz");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200) << later->body;
  EXPECT_EQ(daemon.terminate(), 0) << daemon.log();
  std::filesystem::remove_all(dir);
}

TEST(Tunggald, HttpsWithAServerCertificate) {
  const auto dir = test::fresh_dir("tunggald_tls");
  std::filesystem::create_directories(dir);
  const auto cert = dir / "cert.pem", key = dir / "key.pem";
  // A self-signed certificate for 127.0.0.1 (the openssl tool).
  const std::string make = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                           key.string() + " -out " + cert.string() + " 2>/dev/null";
  ASSERT_EQ(std::system(make.c_str()), 0);
  const std::string token = "tls-token-0123456789abcdef";
  const auto tokens = dir / "tokens";
  {
    std::ofstream(tokens) << token << "\n";
  }
  std::filesystem::permissions(tokens, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const int port = free_port();
  Daemon daemon({"--gallery", (dir / "abis").string(), "--http", "127.0.0.1:" + std::to_string(port), "--token-file",
                 tokens.string(), "--tls-cert", cert.string(), "--tls-key", key.string(), "--no-face"},
                dir / "daemon.log");
  httplib::SSLClient https("127.0.0.1", port);
  https.set_ca_cert_path(cert.c_str());
  https.enable_server_certificate_verification(true);
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    if (auto r = https.Get("/healthz"); r && r->status == 200) up = true;
    else std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(up) << daemon.log();
  auto r = https.Post("/abis", {{"Authorization", "Bearer " + token}}, request("ping", "tls-1"), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(Json::parse(r->body)["returnValue"], "1");
  // Plain HTTP to the TLS port gets no answer.
  httplib::Client plain("127.0.0.1", port);
  plain.set_read_timeout(2, 0);
  auto p = plain.Get("/healthz");
  EXPECT_TRUE(!p || p->status != 200);
  EXPECT_EQ(daemon.terminate(), 0) << daemon.log();
  std::filesystem::remove_all(dir);
}

// The SDK's remote mode: sdk::Session with a daemon address makes the same
// calls as an embedded session, and gets the same answers, from a tunggald
// process over HTTP (and after that process is killed and restarted).
TEST(Tunggald, SdkRemoteSessionAnswersAsTheEmbeddedOne) {
  const auto dir = test::fresh_dir("tunggald_sdk");
  std::filesystem::create_directories(dir);
  const std::string full = "sdk-remote-token-0123456789", reader = "sdk-identify-only-0123456789";
  const auto tokens = dir / "tokens";
  {
    std::ofstream(tokens) << full << "\n" << reader << " identify,referenceCount\n";
  }
  std::filesystem::permissions(tokens, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const auto write_token = [&](const std::string& name, const std::string& token) {
    const auto f = dir / name;
    std::ofstream(f) << token << "\n";
    std::filesystem::permissions(f, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return f;
  };
  const int port = free_port();
  const std::vector<std::string> args = {"--gallery", (dir / "abis").string(), "--http", "127.0.0.1:" + std::to_string(port),
                                         "--token-file", tokens.string(), "--no-face"};
  auto daemon = std::make_unique<Daemon>(args, dir / "daemon.log");
  const std::string address = "http://127.0.0.1:" + std::to_string(port);
  httplib::Client http("127.0.0.1", port);
  const auto wait_up = [&] {
    for (int i = 0; i < 400; ++i) {
      if (auto r = http.Get("/healthz"); r && r->status == 200) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  ASSERT_TRUE(wait_up()) << daemon->log();

  sdk::SessionConfig rc;
  rc.daemon = address;
  rc.daemon_token_file = write_token("full.token", full);
  rc.face = false;
  sdk::Session remote(rc);
  sdk::SessionConfig ec;
  ec.face = false;
  sdk::Session embedded(ec);  // in memory, the same calls

  const auto pop = test::make_population(60, 12, 1501, 4);
  remote.enrol(pop.gallery);
  embedded.enrol(pop.gallery);
  EXPECT_EQ(remote.count(), pop.gallery.size());
  EXPECT_TRUE(remote.contains(pop.gallery.front().id));
  EXPECT_FALSE(remote.contains("nobody"));

  const auto same = [](const DedupDecision& a, const DedupDecision& b, const std::string& what) {
    EXPECT_EQ(a.decision, b.decision) << what;
    EXPECT_DOUBLE_EQ(a.threshold, b.threshold) << what;
    EXPECT_EQ(a.searched, b.searched) << what;
    EXPECT_EQ(a.matched, b.matched) << what;
    ASSERT_EQ(a.candidates.size(), b.candidates.size()) << what;
    for (std::size_t i = 0; i < a.candidates.size(); ++i) {
      EXPECT_EQ(a.candidates[i].ref, b.candidates[i].ref) << what;
      EXPECT_DOUBLE_EQ(a.candidates[i].score, b.candidates[i].score) << what;
      EXPECT_EQ(a.candidates[i].fingers_compared, b.candidates[i].fingers_compared) << what;
    }
    ASSERT_EQ(a.best.has_value(), b.best.has_value()) << what;
    if (a.best) {
      EXPECT_EQ(a.best->ref, b.best->ref) << what;
      EXPECT_DOUBLE_EQ(a.best->score, b.best->score) << what;
    }
  };
  const auto r = remote.identify(pop.probes), e = embedded.identify(pop.probes);
  ASSERT_EQ(r.size(), pop.probes.size());
  int duplicates = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    same(r[i], e[i], pop.probes[i].id);
    duplicates += r[i].decision == Decision::duplicate;
  }
  EXPECT_GT(duplicates, 0);  // the planted duplicates are found (truth from the plan)
  // A record with nothing to search with is refused the same way by both,
  // before anything is sent or enrolled.
  PersonRecord empty;
  empty.id = "EMPTY-RECORD";
  for (sdk::Session* s : {&remote, &embedded}) {
    const auto before = s->count();
    try {
      s->deduplicate(empty);
      ADD_FAILURE() << "an empty record was deduplicated";
    } catch (const Error& refused) {
      EXPECT_EQ(refused.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(refused.what()).find("nothing to search with"), std::string::npos) << refused.what();
    }
    EXPECT_EQ(s->count(), before);
    EXPECT_FALSE(s->contains(empty.id));
  }
  for (std::size_t i = 0; i < pop.probes.size(); ++i)
    if (const auto m = pop.mate.find(pop.probes[i].id); m != pop.mate.end() && r[i].decision == Decision::duplicate) {
      EXPECT_EQ(r[i].candidates.front().ref, m->second);
    }
  // Options travel: a narrower gallery, exhaustive, one result, another FPIR.
  IdentifyOptions narrow = remote.identify_options();
  narrow.restrict_to = {pop.gallery[0].id, pop.gallery[1].id, pop.gallery[2].id};
  narrow.exhaustive = true;
  narrow.max_results = 1;
  narrow.target_fpir = 1e-5;
  same(remote.identify(pop.probes, narrow)[0], embedded.identify(pop.probes, narrow)[0], "narrow");
  // 1:1 against an enrolled id.
  const auto vr = remote.verify(pop.probes[0], pop.gallery[0].id), ve = embedded.verify(pop.probes[0], pop.gallery[0].id);
  EXPECT_DOUBLE_EQ(vr.score, ve.score);
  EXPECT_EQ(vr.match, ve.match);
  EXPECT_THROW(remote.verify(pop.probes[0], "nobody"), Error);

  // Deduplication: every probe, in turn, as the embedded gallery does it.
  for (const auto& p : pop.probes) same(remote.deduplicate(p), embedded.deduplicate(p), "deduplicate " + p.id);
  EXPECT_EQ(remote.count(), embedded.count());
  EXPECT_GT(remote.count(), pop.gallery.size());  // the unique ones were enrolled
  // The same refusals.
  const auto code = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& err) {
      return err.code();
    }
    return ErrorCode::ok;
  };
  EXPECT_EQ(code([&] { remote.enrol(pop.gallery[0]); }), code([&] { embedded.enrol(pop.gallery[0]); }));
  EXPECT_EQ(code([&] { remote.enrol(pop.gallery[0]); }), ErrorCode::invalid_argument);
  PersonRecord stranger = pop.gallery[1];
  stranger.id = "stranger";
  EXPECT_EQ(code([&] { remote.update(stranger); }), ErrorCode::not_found);
  EXPECT_EQ(code([&] { remote.snapshot(); }), ErrorCode::unsupported);
  // A batch the embedded gallery refuses whole is refused before anything is sent.
  std::vector<PersonRecord> twice = {stranger, stranger};
  EXPECT_EQ(code([&] { remote.enrol(twice); }), ErrorCode::invalid_argument);
  EXPECT_FALSE(remote.contains("stranger"));
  // Update and remove.
  PersonRecord moved = pop.gallery[1];
  moved.fingers = pop.gallery[2].fingers;  // now looks like person 2
  remote.update(moved);
  embedded.update(moved);
  same(remote.identify(std::span(&pop.gallery[2], 1))[0], embedded.identify(std::span(&pop.gallery[2], 1))[0], "after update");
  EXPECT_TRUE(remote.remove(pop.gallery[3].id));
  EXPECT_FALSE(remote.remove(pop.gallery[3].id));
  EXPECT_FALSE(remote.contains(pop.gallery[3].id));
  const std::size_t before = remote.count();

  // What was acknowledged survives SIGKILL.
  daemon->kill9();
  daemon = std::make_unique<Daemon>(args, dir / "daemon.log");
  ASSERT_TRUE(wait_up()) << daemon->log();
  EXPECT_EQ(remote.count(), before);
  EXPECT_FALSE(remote.contains(pop.gallery[3].id));

  // Callers: a token that may only search, a wrong token, no daemon there.
  sdk::SessionConfig ro = rc;
  ro.daemon_token_file = write_token("reader.token", reader);
  sdk::Session searcher(ro);
  EXPECT_EQ(searcher.count(), before);
  EXPECT_EQ(code([&] { searcher.enrol(stranger); }), ErrorCode::denied);
  EXPECT_EQ(code([&] { searcher.deduplicate(stranger); }), ErrorCode::denied);  // it would enrol
  sdk::SessionConfig wrong = rc;
  wrong.daemon_token_file = write_token("wrong.token", "not-a-token-of-theirs");
  EXPECT_EQ(code([&] { sdk::Session(wrong).count(); }), ErrorCode::denied);
  sdk::SessionConfig away = rc;
  away.daemon = "http://127.0.0.1:" + std::to_string(free_port());
  away.daemon_attempts = 2;
  EXPECT_EQ(code([&] { sdk::Session(away).count(); }), ErrorCode::io);
  // Configurations that cannot work are refused when the session opens.
  sdk::SessionConfig both = rc;
  both.gallery = dir / "local";
  EXPECT_EQ(code([&] { sdk::Session s(both); }), ErrorCode::invalid_argument);
  sdk::SessionConfig bad = rc;
  bad.daemon = "ftp://127.0.0.1:1";
  EXPECT_EQ(code([&] { sdk::Session s(bad); }), ErrorCode::invalid_argument);
  sdk::SessionConfig open_file = rc;
  open_file.daemon_token_file = dir / "open.token";
  std::ofstream(open_file.daemon_token_file) << full << "\n";
  std::filesystem::permissions(open_file.daemon_token_file, std::filesystem::perms::owner_read |
                                                                std::filesystem::perms::owner_write |
                                                                std::filesystem::perms::others_read);
  EXPECT_EQ(code([&] { sdk::Session s(open_file); }), ErrorCode::invalid_argument);
  EXPECT_EQ(daemon->terminate(), 0) << daemon->log();
  // Nothing biometric in the daemon's log: no template, no record bytes.
  EXPECT_EQ(daemon->log().find("tunggalRecord"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tunggal::abis
