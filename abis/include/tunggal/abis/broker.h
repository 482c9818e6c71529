// The queue transport, as MOSIP deploys it: ActiveMQ Classic over STOMP 1.2
// (Debian has no C++ OpenWire client). Requests arrive on the inbound queue
// (mosip-to-abis), answers go to the outbound queue (abis-to-mosip) in the
// kind received: a JMS text message (no content-length header) or a bytes
// message (with one). A message is acknowledged to the broker only after
// the service recorded its answer and the broker took the reply (a
// receipt); a lost connection is retried with backoff.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tunggal/abis/service.h"

namespace tunggal::abis {

struct StompFrame {
  std::string command;
  std::vector<std::pair<std::string, std::string>> headers;  // in order; the first of a name counts
  std::string body;
  const std::string* header(std::string_view name) const;
};

inline constexpr std::size_t kMaxStompFrame = 32u << 20;  // a request with its document inline; bounds a hostile peer

// Frames to and from the wire (STOMP 1.2: header escapes \r \n \c \\, a body
// ended by NUL or sized by content-length; heart-beat newlines skipped).
std::string encode_stomp(const StompFrame& f);
// Takes one whole frame from the front of `buffer` (removing it), or none
// while it is incomplete; Error(malformed_data) naming what is wrong, or
// limit_exceeded past kMaxStompFrame.
std::optional<StompFrame> take_stomp_frame(std::string& buffer);

// One connection to the broker.
class StompClient {
 public:
  // Connects and logs in (CONNECT, CONNECTED); Error(io) naming why when the
  // broker is not there or refuses the login.
  StompClient(const std::string& host, int port, const std::string& login, const std::string& passcode,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~StompClient();
  StompClient(const StompClient&) = delete;
  StompClient& operator=(const StompClient&) = delete;

  // Sends to a queue and waits for the broker's receipt (the reply is the
  // broker's from then on). `bytes`: a bytes message (content-length).
  void send(const std::string& queue, const std::string& body, bool bytes,
            const std::vector<std::pair<std::string, std::string>>& headers = {});
  // One message at a time, acknowledged one by one.
  void subscribe(const std::string& queue, const std::string& id = "0");
  // The next frame (a MESSAGE), or none within the timeout. Error(io) when
  // the connection is lost or the broker sends an ERROR frame.
  std::optional<StompFrame> receive(std::chrono::milliseconds timeout);
  void ack(const StompFrame& message);
  void nack(const StompFrame& message);

 private:
  void write(const StompFrame& f);
  std::optional<StompFrame> read(std::chrono::milliseconds timeout);
  int fd_ = -1;
  std::string buffer_;
  std::uint64_t next_receipt_ = 1;
  std::vector<StompFrame> early_;  // messages that came while a receipt was awaited
};

struct BrokerConfig {
  std::string host = "127.0.0.1";
  int port = 61613;
  std::string user, password;
  std::string inbound = "mosip-to-abis", outbound = "abis-to-mosip";
  std::chrono::milliseconds max_backoff{10000};
};

struct BrokerCounters {
  std::uint64_t received = 0, answered = 0, expired = 0, reconnects = 0;
};

// Serves the inbound queue until `stop` is set: each message handed to the
// service in arrival order (the order rule), its answer sent, then acked.
class BrokerWorker {
 public:
  BrokerWorker(Service& service, BrokerConfig config);
  void run(const std::atomic<bool>& stop);
  BrokerCounters counters() const;
  std::string metrics() const;  // Prometheus text

 private:
  Service& service_;
  BrokerConfig config_;
  std::atomic<std::uint64_t> received_{0}, answered_{0}, expired_{0}, reconnects_{0};
};

}  // namespace tunggal::abis
