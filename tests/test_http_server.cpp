// tunggal::net's HTTP server against hostile clients, on loopback: heads
// and bodies sent a byte at a time, connections left idle, chunked bodies
// without an end, heads and bodies too large, every worker busy. Each
// attack runs while quick and blocking requests are made from another
// thread, and must not stop them; the attackers' connections must be closed
// by the deadline. Deadlines here are short (a second or two) and every
// wait is bounded, so a regression fails instead of hanging the suite.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tunggal/error.h"
#include "tunggal/net/http_server.h"

namespace tunggal::net {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether the server has closed this connection (reading would give EOF or
// a reset), without blocking.
bool closed_by_peer(int fd) {
  char c;
  const ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

// Everything the server sends until it closes (bounded).
std::string read_all(int fd, std::chrono::milliseconds limit = 10000ms) {
  timeval tv{};
  tv.tv_sec = static_cast<long>(limit.count() / 1000);
  tv.tv_usec = static_cast<long>(limit.count() % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// Clients that send `message` one byte per connection every `interval`
// and then keep sending filler, until the server closes them; each
// records when that happened.
class Dribblers {
 public:
  Dribblers(int port, int count, std::string message, std::chrono::milliseconds interval)
      : message_(std::move(message)), interval_(interval) {
    for (int i = 0; i < count; ++i) fds_.push_back(connect_to(port));
    closed_at_.assign(fds_.size(), Clock::time_point{});
    started_ = Clock::now();
    thread_ = std::thread([this] { run(); });
  }
  ~Dribblers() {
    stop_ = true;
    thread_.join();
    for (const int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  // Waits (bounded) until every connection is closed by the server;
  // returns how many were, and the longest a connection lived.
  std::size_t wait_closed(std::chrono::milliseconds limit, std::chrono::milliseconds& longest) {
    const auto until = Clock::now() + limit;
    while (Clock::now() < until && closed_count() < fds_.size()) std::this_thread::sleep_for(50ms);
    std::lock_guard lock(mu_);
    longest = 0ms;
    std::size_t n = 0;
    for (const auto& t : closed_at_)
      if (t != Clock::time_point{}) {
        ++n;
        longest = std::max(longest, std::chrono::duration_cast<std::chrono::milliseconds>(t - started_));
      }
    return n;
  }
  std::size_t connected() const {
    std::size_t n = 0;
    for (const int fd : fds_) n += fd >= 0;
    return n;
  }

 private:
  std::size_t closed_count() {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& t : closed_at_) n += t != Clock::time_point{};
    return n;
  }
  void run() {
    std::size_t at = 0;
    while (!stop_) {
      for (std::size_t i = 0; i < fds_.size(); ++i) {
        std::lock_guard lock(mu_);
        if (fds_[i] < 0 || closed_at_[i] != Clock::time_point{}) continue;
        const char c = at < message_.size() ? message_[at] : 'x';
        if (closed_by_peer(fds_[i]) || ::send(fds_[i], &c, 1, MSG_NOSIGNAL) != 1) closed_at_[i] = Clock::now();
      }
      ++at;
      std::this_thread::sleep_for(interval_);
    }
  }
  std::string message_;
  std::chrono::milliseconds interval_;
  std::vector<int> fds_;
  std::vector<Clock::time_point> closed_at_;
  Clock::time_point started_;
  std::mutex mu_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A server with a quick route, a blocking one and one that blocks until
// released; deadlines of a second and a half.
struct TestServer {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  int held = 0;
  std::unique_ptr<HttpServer> server;

  explicit TestServer(HttpLimits limits = {}) {
    HttpServerConfig c;
    c.limits = limits;
    if (limits.request_deadline == HttpLimits{}.request_deadline) c.limits.request_deadline = 1500ms;
    c.limits.write_deadline = 1500ms;
    c.limits.workers = 2;
    std::vector<HttpRoute> routes;
    routes.push_back({"GET", "/healthz", [](const HttpRequest&) { return HttpResponse{200, "application/json", "{\"status\":\"ok\"}", {}}; }, false});
    routes.push_back({"POST", "/work", [](const HttpRequest& r) { return HttpResponse{200, "text/plain", "did " + r.body, {}}; }, true});
    routes.push_back({"POST", "/hold", [this](const HttpRequest&) {
                        std::unique_lock lock(mu);
                        ++held;
                        cv.notify_all();
                        cv.wait(lock, [&] { return released; });
                        return HttpResponse{200, "text/plain", "released", {}};
                      },
                      true});
    routes.push_back({"GET", "/boom", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("/secret/path: disk full"); }, true});
    server = std::make_unique<HttpServer>(c, std::move(routes));
  }
  ~TestServer() { release(); }
  void release() {
    {
      std::lock_guard lock(mu);
      released = true;
    }
    cv.notify_all();
  }
  int port() const { return server->port(); }
  // Both kinds of request answer (bounded waits).
  void expect_answers(const std::string& why) const {
    httplib::Client client("127.0.0.1", port());
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(5, 0);
    const auto h = client.Get("/healthz");
    ASSERT_TRUE(h) << why << ": /healthz did not answer";
    EXPECT_EQ(h->status, 200) << why;
    const auto w = client.Post("/work", "a job", "text/plain");
    ASSERT_TRUE(w) << why << ": a blocking request did not answer";
    EXPECT_EQ(w->body, "did a job") << why;
  }
};

TEST(HttpServer, SlowHeadsHoldNoWorkerAndAreClosedAtTheDeadline) {
  TestServer s;
  // Twenty clients, a head byte every 100 ms: a deadline per read would
  // never fire; the request's deadline (1.5 s) must.
  Dribblers slow(s.port(), 20, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", 100ms);
  ASSERT_EQ(slow.connected(), 20u);
  std::this_thread::sleep_for(300ms);
  s.expect_answers("while twenty heads dribble");
  std::chrono::milliseconds longest{};
  EXPECT_EQ(slow.wait_closed(20000ms, longest), 20u);
  EXPECT_LT(longest, 10000ms) << "slow heads lived past the deadline";
  EXPECT_GE(s.server->counters().timed_out, 20u);
  s.expect_answers("after");
}

TEST(HttpServer, SlowBodiesAreClosedAtTheDeadline) {
  TestServer s;
  Dribblers slow(s.port(), 10, "POST /work HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", 50ms);
  std::this_thread::sleep_for(300ms);
  s.expect_answers("while ten bodies dribble");
  std::chrono::milliseconds longest{};
  EXPECT_EQ(slow.wait_closed(20000ms, longest), 10u);
  EXPECT_LT(longest, 10000ms);
}

TEST(HttpServer, ChunkedBodiesWithoutAnEndAreCut) {
  TestServer s;
  // A chunk of one byte, forever: "1\r\nx\r\n" over and over.
  std::string endless = "POST /work HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 2000; ++i) endless += "1\r\nx\r\n";
  Dribblers slow(s.port(), 5, endless, 5ms);
  std::this_thread::sleep_for(300ms);
  s.expect_answers("while chunked bodies never end");
  std::chrono::milliseconds longest{};
  EXPECT_EQ(slow.wait_closed(20000ms, longest), 5u);
  EXPECT_LT(longest, 10000ms);
  // Chunks past the body limit: refused with 413 at once.
  HttpLimits small;
  small.max_body_bytes = 1000;
  TestServer t(small);
  const int fd = connect_to(t.port());
  std::string big = "POST /work HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) big += "40\r\n" + std::string(64, 'y') + "\r\n";
  ASSERT_EQ(::send(fd, big.data(), big.size(), MSG_NOSIGNAL), static_cast<ssize_t>(big.size()));
  EXPECT_EQ(read_all(fd).rfind("HTTP/1.1 413", 0), 0u);
  ::close(fd);
}

TEST(HttpServer, IdleConnectionsBeyondTheWorkersLeaveItAnsweringAndAreCapped) {
  HttpLimits limits;
  limits.max_connections = 300;
  TestServer s(limits);
  std::vector<int> idle;
  for (int i = 0; i < 250; ++i) idle.push_back(connect_to(s.port()));
  std::this_thread::sleep_for(200ms);
  s.expect_answers("with 250 idle connections");
  // Past the cap, new connections are closed on arrival.
  std::vector<int> more;
  for (int i = 0; i < 80; ++i) more.push_back(connect_to(s.port()));
  std::this_thread::sleep_for(300ms);
  EXPECT_GT(s.server->counters().refused, 0u);
  // The idle ones are closed at the deadline, freeing their places.
  const auto until = Clock::now() + 20s;
  std::size_t closed = 0;
  while (Clock::now() < until) {
    closed = 0;
    for (const int fd : idle) closed += closed_by_peer(fd);
    if (closed == idle.size()) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(closed, idle.size());
  s.expect_answers("after the idle ones were closed");
  for (const int fd : idle) ::close(fd);
  for (const int fd : more) ::close(fd);
}

TEST(HttpServer, QuickRoutesAnswerWhileEveryWorkerIsBusy) {
  TestServer s;
  std::vector<std::thread> holders;
  for (int i = 0; i < 2; ++i)
    holders.emplace_back([&] {
      httplib::Client c("127.0.0.1", s.port());
      c.set_read_timeout(30, 0);
      c.Post("/hold", "", "text/plain");
    });
  {
    std::unique_lock lock(s.mu);
    ASSERT_TRUE(s.cv.wait_for(lock, 20s, [&] { return s.held == 2; }));
  }
  httplib::Client client("127.0.0.1", s.port());
  client.set_read_timeout(5, 0);
  const auto h = client.Get("/healthz");
  ASSERT_TRUE(h) << "/healthz waited for a worker";
  EXPECT_EQ(h->status, 200);
  s.release();
  for (auto& t : holders) t.join();
}

TEST(HttpServer, MalformedOrOversizedRequestsGetTheirStatusAndNoDetail) {
  TestServer s;
  const auto raw = [&](const std::string& request) {
    const int fd = connect_to(s.port());
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string answer = read_all(fd, 5000ms);
    ::close(fd);
    return answer;
  };
  EXPECT_EQ(raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'h') + "\r\n\r\n").rfind("HTTP/1.1 431", 0), 0u);
  EXPECT_EQ(raw("POST /work HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n").rfind("HTTP/1.1 413", 0), 0u);
  EXPECT_EQ(raw("NOT A REQUEST\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(raw("GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(raw("DELETE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  const std::string boom = raw("GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(boom.rfind("HTTP/1.1 500", 0), 0u) << boom;
  EXPECT_EQ(boom.find("secret"), std::string::npos) << "a handler's exception reached the caller";
  EXPECT_NE(boom.find("X-Content-Type-Options: nosniff"), std::string::npos) << boom;
  EXPECT_GE(s.server->counters().bad_requests, 3u);
  // Keep-alive: two requests on one connection, both answered.
  const std::string two = raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::size_t answers = 0;
  for (std::size_t at = 0; (at = two.find("HTTP/1.1 200", at)) != std::string::npos; ++at) ++answers;
  EXPECT_EQ(answers, 2u) << two;
}

TEST(HttpServer, ABadAddressOrCertificateIsAClearError) {
  HttpServerConfig c;
  c.host = "not-an-address";
  try {
    HttpServer s(c, {});
    ADD_FAILURE() << "a bad host was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
  HttpServerConfig t;
  t.cert = "/nonexistent/cert.pem";
  t.key = "/nonexistent/key.pem";
  try {
    HttpServer s(t, {});
    ADD_FAILURE() << "a missing certificate was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("TLS"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tunggal::net
