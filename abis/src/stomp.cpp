// STOMP 1.2 over a TCP socket (poll for timeouts), and the worker that
// serves MOSIP's inbound queue through it.
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <sstream>
#include <thread>

#include "tunggal/abis/broker.h"
#include "tunggal/error.h"

namespace tunggal::abis {
namespace {

[[noreturn]] void bad(const std::string& what) { throw Error(ErrorCode::malformed_data, "STOMP: " + what); }

std::string escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      case ':': out += "\\c"; break;
      case '\\': out += "\\\\"; break;
      default: out += c;
    }
  }
  return out;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i == s.size()) bad("a header ends in a backslash");
    switch (s[i]) {
      case 'r': out += '\r'; break;
      case 'n': out += '\n'; break;
      case 'c': out += ':'; break;
      case '\\': out += '\\'; break;
      default: bad(std::string("an undefined escape \\") + s[i] + " in a header");
    }
  }
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

const std::string* StompFrame::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return &v;
  return nullptr;
}

std::string encode_stomp(const StompFrame& f) {
  std::string out = f.command + "\n";
  const bool connect = f.command == "CONNECT" || f.command == "CONNECTED";  // not escaped (1.2)
  for (const auto& [k, v] : f.headers) out += (connect ? k : escape(k)) + ":" + (connect ? v : escape(v)) + "\n";
  out += "\n";
  out += f.body;
  out += '\0';
  return out;
}

std::optional<StompFrame> take_stomp_frame(std::string& buffer) {
  // Heart-beats (lone EOLs) between frames.
  std::size_t start = 0;
  while (start < buffer.size() && (buffer[start] == '\n' || buffer[start] == '\r')) ++start;
  if (start) buffer.erase(0, start);
  if (buffer.empty()) return std::nullopt;
  const auto head_end = buffer.find("\n\n");
  const auto head_end_crlf = buffer.find("\r\n\r\n");
  std::size_t head_len = std::string::npos, sep = 0;
  if (head_end != std::string::npos && (head_end_crlf == std::string::npos || head_end < head_end_crlf)) {
    head_len = head_end;
    sep = 2;
  } else if (head_end_crlf != std::string::npos) {
    head_len = head_end_crlf;
    sep = 4;
  }
  if (head_len == std::string::npos) {
    if (buffer.size() > 64 * 1024) throw Error(ErrorCode::limit_exceeded, "STOMP: a frame header over 64 KiB");
    return std::nullopt;
  }
  StompFrame f;
  std::istringstream lines(buffer.substr(0, head_len));
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (first) {
      f.command = line;
      first = false;
      if (f.command.empty() || f.command.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
        bad(std::string("not a command: ").append(f.command.substr(0, 32)));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) bad("a header line without ':'");
    f.headers.emplace_back(unescape(line.substr(0, colon)), unescape(line.substr(colon + 1)));
  }
  const std::size_t body_at = head_len + sep;
  std::size_t body_len;
  if (const std::string* cl = f.header("content-length")) {
    if (cl->empty() || cl->size() > 10 || cl->find_first_not_of("0123456789") != std::string::npos)
      bad(std::string("content-length is not a number: ").append(cl->substr(0, 16)));
    body_len = std::stoull(*cl);
    if (body_len > kMaxStompFrame) throw Error(ErrorCode::limit_exceeded, "STOMP: a body over the frame limit");
    if (buffer.size() < body_at + body_len + 1) return std::nullopt;
    if (buffer[body_at + body_len] != '\0') bad("the body is longer than its content-length");
  } else {
    const auto nul = buffer.find('\0', body_at);
    if (nul == std::string::npos) {
      if (buffer.size() > kMaxStompFrame) throw Error(ErrorCode::limit_exceeded, "STOMP: a frame over the limit");
      return std::nullopt;
    }
    body_len = nul - body_at;
  }
  f.body = buffer.substr(body_at, body_len);
  buffer.erase(0, body_at + body_len + 1);
  return f;
}

StompClient::StompClient(const std::string& host, int port, const std::string& login, const std::string& passcode,
                         std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string where = host + ":" + std::to_string(port);
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res)
    throw Error(ErrorCode::io, "broker " + where + ": the address does not resolve");
  for (addrinfo* a = res; a && fd_ < 0; a = a->ai_next) {
    fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd_ >= 0 && ::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  freeaddrinfo(res);
  if (fd_ < 0) throw Error(ErrorCode::io, "broker " + where + ": " + std::strerror(errno));
  StompFrame c{"CONNECT", {{"accept-version", "1.2"}, {"host", host}, {"heart-beat", "0,0"}}, ""};
  if (!login.empty()) {
    c.headers.emplace_back("login", login);
    c.headers.emplace_back("passcode", passcode);
  }
  std::optional<StompFrame> r;
  try {
    write(c);
    r = read(timeout);
  } catch (...) {
    ::close(fd_);  // the destructor does not run for a constructor that throws
    fd_ = -1;
    throw;
  }
  if (!r) {
    ::close(fd_);
    throw Error(ErrorCode::io, "broker " + where + ": no answer to CONNECT");
  }
  if (r->command != "CONNECTED") {
    const std::string* msg = r->header("message");
    ::close(fd_);
    throw Error(ErrorCode::io, "broker " + where + " refused the connection: " + (msg ? *msg : r->command));
  }
}

StompClient::~StompClient() {
  if (fd_ >= 0) {
    try {
      write({"DISCONNECT", {}, ""});
    } catch (const Error&) {
    }
    ::close(fd_);
  }
}

void StompClient::write(const StompFrame& f) {
  const std::string wire = encode_stomp(f);
  std::size_t sent = 0;
  while (sent < wire.size()) {
    const ssize_t n = ::send(fd_, wire.data() + sent, wire.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(ErrorCode::io, std::string("broker: the connection is lost (") + std::strerror(errno) + ")");
    sent += static_cast<std::size_t>(n);
  }
}

std::optional<StompFrame> StompClient::read(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto f = take_stomp_frame(buffer_)) return f;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) throw Error(ErrorCode::io, std::string("broker: poll: ") + std::strerror(errno));
    if (rc == 0) return std::nullopt;
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(ErrorCode::io, "broker: the connection is lost");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

void StompClient::send(const std::string& queue, const std::string& body, bool bytes,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  if (!bytes && body.find('\0') != std::string::npos)
    throw Error(ErrorCode::invalid_argument, "broker: a text message cannot hold a NUL byte");
  StompFrame f{"SEND", {{"destination", "/queue/" + queue}, {"persistent", "true"}}, body};
  const std::string receipt = std::string("r").append(std::to_string(next_receipt_++));
  f.headers.emplace_back("receipt", receipt);
  if (bytes) f.headers.emplace_back("content-length", std::to_string(body.size()));
  for (const auto& h : headers) f.headers.push_back(h);
  write(f);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = read(std::chrono::seconds(1));
    if (!r) continue;
    if (r->command == "RECEIPT") {
      const std::string* id = r->header("receipt-id");
      if (id && *id == receipt) return;
      continue;
    }
    if (r->command == "ERROR") {
      const std::string* msg = r->header("message");
      throw Error(ErrorCode::io, "broker refused a message to " + queue + ": " + (msg ? *msg : "ERROR"));
    }
    if (r->command == "MESSAGE") early_.push_back(std::move(*r));
  }
  throw Error(ErrorCode::io, "broker: no receipt for a message to " + queue + " within 30 s");
}

void StompClient::subscribe(const std::string& queue, const std::string& id) {
  write({"SUBSCRIBE",
         {{"id", id}, {"destination", "/queue/" + queue}, {"ack", "client-individual"}, {"activemq.prefetchSize", "1"}},
         ""});
}

std::optional<StompFrame> StompClient::receive(std::chrono::milliseconds timeout) {
  if (!early_.empty()) {
    StompFrame f = std::move(early_.front());
    early_.erase(early_.begin());
    return f;
  }
  auto f = read(timeout);
  if (f && f->command == "ERROR") {
    const std::string* msg = f->header("message");
    throw Error(ErrorCode::io, "broker: " + (msg ? *msg : std::string("ERROR")));
  }
  return f;
}

void StompClient::ack(const StompFrame& m) {
  const std::string* id = m.header("ack");
  if (!id) id = m.header("message-id");
  if (id) write({"ACK", {{"id", *id}}, ""});
}

void StompClient::nack(const StompFrame& m) {
  const std::string* id = m.header("ack");
  if (!id) id = m.header("message-id");
  if (id) write({"NACK", {{"id", *id}}, ""});
}

BrokerWorker::BrokerWorker(Service& service, BrokerConfig config) : service_(service), config_(std::move(config)) {}

BrokerCounters BrokerWorker::counters() const {
  return {received_.load(), answered_.load(), expired_.load(), reconnects_.load()};
}

std::string BrokerWorker::metrics() const {
  std::ostringstream o;
  const auto metric = [&](const char* name, const char* help, std::uint64_t v) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n" << name << " " << v << "\n";
  };
  metric("tunggald_broker_received_total", "Messages taken from the inbound queue.", received_.load());
  metric("tunggald_broker_answered_total", "Answers the broker took (then the request was acknowledged).", answered_.load());
  metric("tunggald_broker_expired_total", "Messages past their time-to-live, acknowledged without an answer.", expired_.load());
  metric("tunggald_broker_reconnects_total", "Connections to the broker made again after one was lost.", reconnects_.load());
  return o.str();
}

void BrokerWorker::run(const std::atomic<bool>& stop) {
  auto backoff = std::chrono::milliseconds(200);
  bool first = true;
  while (!stop) {
    try {
      StompClient c(config_.host, config_.port, config_.user, config_.password);
      if (!first) ++reconnects_;
      first = false;
      backoff = std::chrono::milliseconds(200);
      c.subscribe(config_.inbound);
      while (!stop) {
        auto m = c.receive(std::chrono::milliseconds(200));
        if (!m || m->command != "MESSAGE") continue;
        ++received_;
        // Past its time-to-live: MOSIP has given up on it; answering would
        // only leave a reply nobody reads.
        if (const std::string* exp = m->header("expires"); exp && !exp->empty() && *exp != "0") {
          char* end = nullptr;
          const long long at = std::strtoll(exp->c_str(), &end, 10);
          if (end && *end == '\0' && at > 0 && at < now_ms()) {
            ++expired_;
            c.ack(*m);
            continue;
          }
        }
        const bool bytes = m->header("content-length") != nullptr;
        const std::string answer = service_.handle(m->body);  // durable before it returns
        std::vector<std::pair<std::string, std::string>> h;
        if (const std::string* id = m->header("message-id")) h.emplace_back("correlation-id", *id);
        c.send(config_.outbound, answer, bytes, h);  // waits for the broker's receipt
        c.ack(*m);
        ++answered_;
      }
    } catch (const std::exception& e) {
      if (stop) break;
      std::cerr << "tunggald: " << e.what() << "; connecting again in " << backoff.count() << " ms\n";
      const auto until = std::chrono::steady_clock::now() + backoff;
      while (!stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      backoff = std::min(config_.max_backoff, backoff * 2);
    }
  }
}

}  // namespace tunggal::abis
