// Fingerprint readers through libfprint 1.94. libfprint's synchronous calls
// iterate GLib's global default main context (its enumeration does so even
// when a thread-default context is pushed), so one worker thread per
// process owns that context and runs every libfprint call; callers on any
// thread queue work to it and wait. Virtual readers (libfprint's
// virtual_image driver, which listens on the unix socket named by
// FP_VIRTUAL_IMAGE) are fed by a thread of ours that writes one touch per
// capture: int32 width, int32 height, then the pixels, or a negative
// header for retry (-1), error (-2) and removal (-5).
#include <fprint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <future>
#include <mutex>
#include <thread>

#include "tunggal/sdk/capture.h"

namespace tunggal::sdk {
namespace {

// ---- the worker that owns GLib's default main context ----------------------

class FprintWorker {
 public:
  static FprintWorker& get() {
    // Never destroyed: libfprint objects may outlive static destructors,
    // and the thread must not be joined from one.
    static FprintWorker* w = new FprintWorker;
    return *w;
  }

  template <typename F>
  auto run(F&& f) -> decltype(f()) {
    using R = decltype(f());
    std::packaged_task<R()> task(std::forward<F>(f));
    auto done = task.get_future();
    {
      std::lock_guard lock(mu_);
      queue_.emplace_back([&task] { task(); });
    }
    cv_.notify_one();
    return done.get();  // rethrows what the task threw
  }

 private:
  FprintWorker() : thread_([this] { loop(); }) { thread_.detach(); }

  void loop() {
    GMainContext* ctx = g_main_context_default();
    g_main_context_acquire(ctx);
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(20), [this] { return !queue_.empty(); });
        if (!queue_.empty()) {
          job = std::move(queue_.front());
          queue_.pop_front();
        }
      }
      if (job) job();
      // Between calls, let libfprint handle what arrived (removals, late
      // callbacks).
      while (g_main_context_iteration(ctx, FALSE)) {
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::thread thread_;
};

std::string error_text(const GError* e) { return e != nullptr && e->message != nullptr ? e->message : "unknown error"; }

void write_all(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw Error(ErrorCode::io, std::string("virtual reader: write failed: ") + std::strerror(errno));
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// ---- the feeder of a virtual reader ----------------------------------------

class Feeder {
 public:
  Feeder(std::string socket, std::vector<VirtualTouch> script) : socket_(std::move(socket)) {
    for (auto& t : script) script_.push_back(std::move(t));
    thread_ = std::thread([this] { loop(); });
  }
  ~Feeder() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  // Sends the next touch (asynchronously: the reader's capture reads it).
  void next() {
    {
      std::lock_guard lock(mu_);
      ++wanted_;
    }
    cv_.notify_one();
  }

 private:
  void connect_socket() {
    for (int attempt = 0; attempt < 200 && fd_ < 0; ++attempt) {
      const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un a{};
      a.sun_family = AF_UNIX;
      std::strncpy(a.sun_path, socket_.c_str(), sizeof a.sun_path - 1);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        fd_ = fd;
        return;
      }
      ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  void send(const VirtualTouch& t) {
    std::int32_t head[2] = {0, 0};
    switch (t.kind) {
      case VirtualTouch::Kind::nothing: return;
      case VirtualTouch::Kind::retry: head[0] = -1, head[1] = t.code; break;
      case VirtualTouch::Kind::error: head[0] = -2, head[1] = t.code; break;
      case VirtualTouch::Kind::unplug: head[0] = -5; break;
      case VirtualTouch::Kind::image:
        head[0] = t.image.width;
        head[1] = t.image.height;
        write_all(fd_, head, sizeof head);
        write_all(fd_, t.image.pixels.data(), t.image.pixels.size());
        return;
    }
    write_all(fd_, head, sizeof head);
  }

  void loop() {
    for (;;) {
      VirtualTouch t;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stop_ || wanted_ > 0; });
        if (stop_) return;
        --wanted_;
        if (script_.empty()) continue;  // nothing left: the capture times out
        t = std::move(script_.front());
        script_.pop_front();
      }
      try {
        if (fd_ < 0) connect_socket();
        if (fd_ >= 0) send(t);
      } catch (const Error&) {
        // The reader went away (after an unplug): later captures say so.
      }
    }
  }

  std::string socket_;
  std::deque<VirtualTouch> script_;
  std::mutex mu_;
  std::condition_variable cv_;
  int wanted_ = 0;
  bool stop_ = false;
  int fd_ = -1;
  std::thread thread_;
};

// Devices of a fresh context, with our ids.
std::vector<std::pair<ReaderInfo, FpDevice*>> devices_of(FpContext* ctx) {
  std::vector<std::pair<ReaderInfo, FpDevice*>> out;
  GPtrArray* devs = fp_context_get_devices(ctx);
  std::map<std::string, int> per_driver;
  for (guint i = 0; devs != nullptr && i < devs->len; ++i) {
    auto* d = static_cast<FpDevice*>(g_ptr_array_index(devs, i));
    ReaderInfo info;
    info.driver = fp_device_get_driver(d) ? fp_device_get_driver(d) : "";
    info.name = fp_device_get_name(d) ? fp_device_get_name(d) : "";
    info.id = info.driver + ":" + std::to_string(per_driver[info.driver]++);
    out.emplace_back(std::move(info), d);
  }
  return out;
}

}  // namespace

struct FingerprintReader::Impl {
  FpContext* ctx = nullptr;
  FpDevice* dev = nullptr;
  ReaderInfo info;
  std::filesystem::path socket_dir;
  std::unique_ptr<Feeder> feeder;
  std::mutex mu;  // one capture at a time on this reader

  ~Impl() {
    if (ctx != nullptr) {
      FprintWorker::get().run([this] {
        if (dev != nullptr && fp_device_is_open(dev)) fp_device_close_sync(dev, nullptr, nullptr);
        g_object_unref(ctx);
        return 0;
      });
    }
    feeder.reset();
    if (!socket_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(socket_dir, ec);
    }
  }
};

std::string_view to_string(CaptureStatus s) noexcept {
  switch (s) {
    case CaptureStatus::captured: return "captured";
    case CaptureStatus::no_reader: return "no reader";
    case CaptureStatus::unplugged: return "reader unplugged";
    case CaptureStatus::busy: return "reader busy";
    case CaptureStatus::retry: return "retry";
    case CaptureStatus::timeout: return "timeout";
    case CaptureStatus::cancelled: return "cancelled";
    case CaptureStatus::device_error: return "device error";
    case CaptureStatus::rejected: return "rejected";
  }
  return "unknown";
}

VirtualTouch VirtualTouch::finger(GrayImage image) {
  if (image.width <= 0 || image.height <= 0 || image.width > 5000 || image.height > 5000 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height)
    throw Error(ErrorCode::invalid_argument, "virtual reader: an image must be 1..5000 pixels a side with its pixels");
  VirtualTouch t;
  t.kind = Kind::image;
  t.image = std::move(image);
  return t;
}
VirtualTouch VirtualTouch::retry_request(int code) {
  VirtualTouch t;
  t.kind = Kind::retry;
  t.code = code;
  return t;
}
VirtualTouch VirtualTouch::device_error(int code) {
  VirtualTouch t;
  t.kind = Kind::error;
  t.code = code;
  return t;
}
VirtualTouch VirtualTouch::unplugged() {
  VirtualTouch t;
  t.kind = Kind::unplug;
  return t;
}
VirtualTouch VirtualTouch::no_finger() {
  VirtualTouch t;
  t.kind = Kind::nothing;
  return t;
}

FingerprintReader::FingerprintReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FingerprintReader::FingerprintReader(FingerprintReader&&) noexcept = default;
FingerprintReader& FingerprintReader::operator=(FingerprintReader&&) noexcept = default;
FingerprintReader::~FingerprintReader() = default;

const ReaderInfo& FingerprintReader::info() const { return impl_->info; }

std::vector<ReaderInfo> FingerprintReader::list() {
  return FprintWorker::get().run([] {
    FpContext* ctx = fp_context_new();
    std::vector<ReaderInfo> out;
    for (auto& [info, dev] : devices_of(ctx)) out.push_back(info);
    g_object_unref(ctx);
    return out;
  });
}

FingerprintReader FingerprintReader::open(const std::string& id) {
  auto impl = std::make_unique<Impl>();
  const std::string problem = FprintWorker::get().run([&] {
    impl->ctx = fp_context_new();
    for (const auto& [info, dev] : devices_of(impl->ctx)) {
      if (!id.empty() && info.id != id) continue;
      impl->info = info;
      impl->dev = dev;
      break;
    }
    if (impl->dev == nullptr) return std::string(id.empty() ? "no fingerprint reader found" : "no reader " + id);
    GError* err = nullptr;
    if (!fp_device_open_sync(impl->dev, nullptr, &err)) {
      const bool busy = g_error_matches(err, FP_DEVICE_ERROR, FP_DEVICE_ERROR_BUSY) ||
                        g_error_matches(err, FP_DEVICE_ERROR, FP_DEVICE_ERROR_ALREADY_OPEN);
      std::string msg = std::string(busy ? "busy" : "error") + ": " + impl->info.id + ": " + error_text(err);
      g_clear_error(&err);
      impl->dev = nullptr;
      return msg;
    }
    return std::string();
  });
  if (!problem.empty()) {
    const ErrorCode code = problem.rfind("busy", 0) == 0 ? ErrorCode::busy
                           : problem.rfind("error", 0) == 0 ? ErrorCode::io
                                                            : ErrorCode::not_found;
    throw Error(code, "fingerprint reader: " + problem);
  }
  return FingerprintReader(std::move(impl));
}

FingerprintReader FingerprintReader::open_virtual(std::vector<VirtualTouch> script) {
  auto impl = std::make_unique<Impl>();
  char tmpl[] = "/tmp/tunggal-vreader-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr)
    throw Error(ErrorCode::io, std::string("virtual reader: cannot make a socket folder: ") + std::strerror(errno));
  impl->socket_dir = tmpl;
  const std::string socket = (impl->socket_dir / "sock").string();
  const std::string problem = FprintWorker::get().run([&] {
    // libfprint reads FP_VIRTUAL_IMAGE when a context enumerates; only the
    // worker touches libfprint, and the old value comes back after.
    const char* old = std::getenv("FP_VIRTUAL_IMAGE");
    const std::string saved = old ? old : "";
    ::setenv("FP_VIRTUAL_IMAGE", socket.c_str(), 1);
    impl->ctx = fp_context_new();
    const auto devices = devices_of(impl->ctx);
    if (old) {
      ::setenv("FP_VIRTUAL_IMAGE", saved.c_str(), 1);
    } else {
      ::unsetenv("FP_VIRTUAL_IMAGE");
    }
    for (const auto& [info, dev] : devices) {
      if (info.driver != "virtual_image") continue;
      impl->info = info;
      impl->dev = dev;
    }
    if (impl->dev == nullptr) return std::string("this libfprint has no virtual_image driver");
    GError* err = nullptr;
    if (!fp_device_open_sync(impl->dev, nullptr, &err)) {
      std::string msg = "cannot open the virtual reader: " + error_text(err);
      g_clear_error(&err);
      impl->dev = nullptr;
      return msg;
    }
    return std::string();
  });
  if (!problem.empty()) throw Error(ErrorCode::not_found, "fingerprint reader: " + problem);
  impl->feeder = std::make_unique<Feeder>(socket, std::move(script));
  return FingerprintReader(std::move(impl));
}

RawCapture FingerprintReader::capture(std::chrono::milliseconds timeout) {
  std::lock_guard one(impl_->mu);
  if (timeout.count() <= 0 || timeout > std::chrono::hours(24))
    throw Error(ErrorCode::invalid_argument, "capture: the timeout must lie in (0 ms, 24 h]");
  const auto t0 = std::chrono::steady_clock::now();
  RawCapture r = FprintWorker::get().run([&] {
    RawCapture out;
    FpDevice* dev = impl_->dev;
    gboolean removed = FALSE;
    g_object_get(dev, "removed", &removed, nullptr);
    if (removed) {
      out.status = CaptureStatus::unplugged;
      out.message = "the reader was unplugged";
      return out;
    }
    GCancellable* cancel = g_cancellable_new();
    struct Timer {
      GCancellable* cancel;
      bool fired = false;
    } timer{cancel};
    GSource* source = g_timeout_source_new(static_cast<guint>(timeout.count()));
    g_source_set_callback(
        source,
        [](gpointer p) -> gboolean {
          auto* t = static_cast<Timer*>(p);
          t->fired = true;
          g_cancellable_cancel(t->cancel);
          return G_SOURCE_REMOVE;
        },
        &timer, nullptr);
    g_source_attach(source, g_main_context_default());
    // The asynchronous call, with the main context iterated here: a
    // virtual reader is fed only once the device waits for a finger (the
    // driver reads its socket between captures too, and drops what comes
    // while it is inactive). A short tick keeps the loop looking.
    struct Done {
      bool done = false;
      FpImage* img = nullptr;
      GError* err = nullptr;
    } result;
    fp_device_capture(
        dev, TRUE, cancel,
        [](GObject* src, GAsyncResult* res, gpointer p) {
          auto* d = static_cast<Done*>(p);
          d->img = fp_device_capture_finish(FP_DEVICE(src), res, &d->err);
          d->done = true;
        },
        &result);
    GSource* tick = g_timeout_source_new(10);
    g_source_set_callback(tick, [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr, nullptr);
    g_source_attach(tick, g_main_context_default());
    bool fed = impl_->feeder == nullptr;
    while (!result.done) {
      g_main_context_iteration(g_main_context_default(), TRUE);
      if (!fed && (fp_device_get_finger_status(dev) & FP_FINGER_STATUS_NEEDED)) {
        impl_->feeder->next();
        fed = true;
      }
    }
    g_source_destroy(tick);
    g_source_unref(tick);
    GError* err = result.err;
    FpImage* img = result.img;
    g_source_destroy(source);
    g_source_unref(source);
    g_object_unref(cancel);
    if (img != nullptr) {
      gsize len = 0;
      const guchar* data = fp_image_get_data(img, &len);
      out.image.width = static_cast<int>(fp_image_get_width(img));
      out.image.height = static_cast<int>(fp_image_get_height(img));
      out.image.pixels.assign(data, data + len);
      const double ppmm = fp_image_get_ppmm(img);
      if (ppmm > 0) {
        out.image.dpi = static_cast<int>(std::lround(ppmm * 25.4));
      } else {
        out.image.dpi = 500;
        out.resolution_assumed = true;
      }
      g_object_unref(img);
      out.status = out.image.pixels.size() == static_cast<std::size_t>(out.image.width) * out.image.height && len > 0
                       ? CaptureStatus::captured
                       : CaptureStatus::device_error;
      out.message = out.resolution_assumed ? "the reader reports no resolution: 500 dpi assumed" : "";
      return out;
    }
    out.message = error_text(err);
    g_object_get(dev, "removed", &removed, nullptr);
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      out.status = timer.fired ? CaptureStatus::timeout : CaptureStatus::cancelled;
      if (timer.fired) out.message = "no finger within " + std::to_string(timeout.count()) + " ms";
    } else if (err != nullptr && err->domain == FP_DEVICE_RETRY) {
      out.status = CaptureStatus::retry;
    } else if (removed || g_error_matches(err, FP_DEVICE_ERROR, FP_DEVICE_ERROR_REMOVED)) {
      out.status = CaptureStatus::unplugged;
    } else if (g_error_matches(err, FP_DEVICE_ERROR, FP_DEVICE_ERROR_BUSY)) {
      out.status = CaptureStatus::busy;
    } else {
      out.status = CaptureStatus::device_error;
    }
    g_clear_error(&err);
    return out;
  });
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace tunggal::sdk
