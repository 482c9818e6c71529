// The HTTP server (http_server.h): Boost.Beast over Boost.Asio, one
// coroutine per connection on a strand, C++20 co_await.
//
// Why each limit: a deadline per read or per byte lets a client that sends
// one byte a second hold a connection forever (cpp-httplib's read timeout
// is of that kind, and four such clients held its four workers); here the
// timer runs from the request's first byte to its last, head and body
// together. Handlers that block run on a worker pool, so the I/O threads
// only ever wait on sockets and timers.
#include "tunggal/net/http_server.h"

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <iostream>
#include <optional>
#include <thread>

#include "tunggal/error.h"

namespace tunggal::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return "";
}

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

HttpResponse plain(int status, std::string text) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(text);
  return r;
}

}  // namespace

struct HttpServer::Impl {
  HttpServerConfig config;
  std::vector<HttpRoute> routes;
  std::atomic<std::uint64_t> connections{0}, refused{0}, timed_out{0}, bad_requests{0}, requests{0};
  std::atomic<std::int64_t> open{0}, in_handlers{0};
  std::optional<asio::ssl::context> tls;
  asio::thread_pool workers;
  std::vector<std::thread> io;
  bool stopped = false;
  // Last: destroyed first, with the connections' coroutine frames, while
  // everything they touch still exists.
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};

  Impl(HttpServerConfig c, std::vector<HttpRoute> r)
      : config(std::move(c)), routes(std::move(r)), workers(static_cast<std::size_t>(std::max(1, config.limits.workers))) {}

  // Keeps the count of open connections, however the coroutine ends.
  struct Open {
    Impl& m;
    explicit Open(Impl& impl) : m(impl) { ++m.open; }
    ~Open() { --m.open; }
    Open(const Open&) = delete;
    Open& operator=(const Open&) = delete;
  };

  const HttpRoute* route_of(const HttpRequest& r, bool& path_known) const {
    path_known = false;
    for (const auto& route : routes) {
      if (route.path != r.path) continue;
      path_known = true;
      if (route.method == r.method) return &route;
    }
    return nullptr;
  }

  // A blocking handler on the worker pool; the connection waits on a timer
  // that the worker cancels when it is done (the timer is on the
  // connection's strand, so the cancel cannot run before the wait starts).
  struct Job {
    Job(HttpRequest r, asio::steady_timer t) : request(std::move(r)), done(std::move(t)) {}
    HttpRequest request;
    HttpResponse response;
    asio::steady_timer done;
    std::atomic<bool> finished{false};
  };

  static HttpResponse run(const HttpHandler& handler, const HttpRequest& r) {
    try {
      return handler(r);
    } catch (const std::exception& e) {
      // The detail (paths, SQLite's words) goes to the operator's log, not
      // to the caller.
      std::cerr << "http: " << r.method << " " << r.path << ": " << e.what() << "\n";
    } catch (...) {
      std::cerr << "http: " << r.method << " " << r.path << ": unknown exception\n";
    }
    return plain(500, "internal error\n");
  }

  asio::awaitable<HttpResponse> dispatch(HttpRequest r) {
    bool path_known = false;
    const HttpRoute* route = route_of(r, path_known);
    if (!route) co_return path_known ? plain(405, "method not allowed\n") : plain(404, "not found\n");
    if (!route->blocking) co_return run(route->handler, r);
    const auto executor = co_await asio::this_coro::executor;
    auto job = std::make_shared<Job>(std::move(r), asio::steady_timer(executor, asio::steady_timer::time_point::max()));
    ++in_handlers;
    asio::post(workers, [job, handler = route->handler] {
      job->response = run(handler, job->request);
      job->finished = true;
      asio::post(job->done.get_executor(), [job] { job->done.cancel(); });
    });
    beast::error_code ec;
    while (!job->finished) co_await job->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    --in_handlers;
    co_return std::move(job->response);
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, std::string remote) {
    const HttpLimits& lim = config.limits;
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(lim.max_header_bytes, UINT32_MAX)));
      parser.body_limit(lim.max_body_bytes);
      beast::get_lowest_layer(stream).expires_after(lim.request_deadline);
      beast::error_code ec;
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == beast::error::timeout) {
        ++timed_out;
        co_return;  // the socket closes with the stream
      }
      if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
          ec == asio::ssl::error::stream_truncated)
        co_return;
      std::optional<HttpResponse> refusal;
      if (ec == http::error::header_limit) refusal = plain(431, "request header fields too large\n");
      else if (ec == http::error::body_limit) refusal = plain(413, "payload too large\n");
      else if (ec && ec.category() == http::make_error_code(http::error::bad_target).category())
        refusal = plain(400, "bad request\n");
      else if (ec) co_return;
      bool keep_alive = false;
      HttpResponse out;
      unsigned version = 11;
      if (refusal) {
        ++bad_requests;
        out = std::move(*refusal);
      } else {
        auto& req = parser.get();
        version = req.version();
        keep_alive = req.keep_alive();
        HttpRequest r;
        r.method = std::string(req.method_string());
        r.target = std::string(req.target());
        r.path = r.target.substr(0, r.target.find('?'));
        for (const auto& f : req) r.headers.emplace_back(lower(std::string(f.name_string())), std::string(f.value()));
        r.body = std::move(req.body());
        r.remote = remote;
        out = co_await dispatch(std::move(r));
      }
      http::response<http::string_body> res{static_cast<http::status>(out.status), version};
      res.set(http::field::content_type, out.content_type);
      res.set("X-Content-Type-Options", "nosniff");
      for (const auto& [k, v] : out.headers) res.set(k, v);
      res.keep_alive(keep_alive);
      res.body() = std::move(out.body);
      res.prepare_payload();
      beast::get_lowest_layer(stream).expires_after(lim.write_deadline);
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == beast::error::timeout) ++timed_out;
      if (ec) co_return;
      ++requests;
      if (!keep_alive) co_return;
    }
  }

  asio::awaitable<void> connection(tcp::socket socket) {
    Open counted(*this);
    std::string remote;
    {
      beast::error_code ec;
      const auto ep = socket.remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    if (!tls) {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(stream, remote);
      beast::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
    beast::get_lowest_layer(stream).expires_after(config.limits.handshake_deadline);
    beast::error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == beast::error::timeout) ++timed_out;
      co_return;
    }
    co_await serve(stream, remote);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      tcp::socket socket(asio::make_strand(ioc));
      beast::error_code ec;
      co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (!acceptor.is_open()) co_return;
      if (ec) {
        // Out of descriptors, say: wait a little rather than spin.
        asio::steady_timer pause(ioc, std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      if (static_cast<std::size_t>(open.load()) >= config.limits.max_connections) {
        ++refused;
        socket.close(ec);
        continue;
      }
      ++connections;
      const auto executor = socket.get_executor();
      asio::co_spawn(executor, connection(std::move(socket)), asio::detached);
    }
  }
};

HttpServer::HttpServer(HttpServerConfig config, std::vector<HttpRoute> routes)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(routes))) {
  auto& m = *impl_;
  if (!m.config.cert.empty() || !m.config.key.empty()) {
    try {
      m.tls.emplace(asio::ssl::context::tls_server);
      m.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                         asio::ssl::context::single_dh_use);
      m.tls->use_certificate_chain_file(m.config.cert.string());
      m.tls->use_private_key_file(m.config.key.string(), asio::ssl::context::pem);
      if (!m.config.client_ca.empty()) {
        m.tls->load_verify_file(m.config.client_ca.string());
        m.tls->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
      }
    } catch (const boost::system::system_error& e) {
      throw Error(ErrorCode::invalid_argument, std::string("http: the TLS certificate, key or client CA does not load: ") + e.what());
    }
  }
  beast::error_code ec;
  const auto address = asio::ip::make_address(m.config.host, ec);
  if (ec) throw Error(ErrorCode::invalid_argument, "http: '" + m.config.host + "' is not an IP address");
  const tcp::endpoint at(address, static_cast<unsigned short>(m.config.port));
  m.acceptor.open(at.protocol(), ec);
  if (!ec) m.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(at, ec);
  if (!ec) m.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw Error(ErrorCode::io, "http: cannot listen on " + m.config.host + ":" + std::to_string(m.config.port) + ": " +
                                   ec.message());
  asio::co_spawn(m.ioc, m.accept_loop(), asio::detached);
  for (int i = 0; i < std::max(1, m.config.limits.io_threads); ++i) m.io.emplace_back([&m] { m.ioc.run(); });
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::port() const noexcept {
  beast::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? -1 : ep.port();
}

void HttpServer::stop() {
  auto& m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  asio::post(m.ioc, [&m] {
    beast::error_code ec;
    m.acceptor.close(ec);
  });
  // Handlers under way finish (an ABIS job is durable work); their answers
  // are written if the client is still there.
  for (int i = 0; i < 3000 && m.in_handlers.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  m.ioc.stop();
  for (auto& t : m.io) t.join();
  m.workers.join();
}

HttpServerCounters HttpServer::counters() const noexcept {
  const auto& m = *impl_;
  HttpServerCounters c;
  c.connections = m.connections.load();
  c.refused = m.refused.load();
  c.timed_out = m.timed_out.load();
  c.bad_requests = m.bad_requests.load();
  c.requests = m.requests.load();
  c.open = static_cast<std::uint64_t>(std::max<std::int64_t>(0, m.open.load()));
  return c;
}

}  // namespace tunggal::net
