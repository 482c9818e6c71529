// A progress bar on stderr: redrawn in place on a terminal, one line per 10%
// otherwise (logs stay readable). Thread-safe: workers call update().
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace tunggal::cli {

class Progress {
 public:
  explicit Progress(std::string what) : what_(std::move(what)), tty_(::isatty(2) != 0) {}

  void update(std::size_t done, std::size_t total) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const int percent = total ? static_cast<int>(100 * done / total) : 100;
    if (tty_) {
      if (done != total && now - last_ < std::chrono::milliseconds(200)) return;
      last_ = now;
      const int filled = percent * 30 / 100;
      const double rate = elapsed > 0 ? done / elapsed : 0;
      const double eta = rate > 0 ? (total - done) / rate : 0;
      std::fprintf(stderr, "\r[%s%s] %3d%% %zu/%zu %s, %.0f/s, ETA %.0f s ",
                   std::string(filled, '#').c_str(), std::string(30 - filled, ' ').c_str(), percent,
                   done, total, what_.c_str(), rate, eta);
      if (done == total) std::fputc('\n', stderr);
    } else if (percent >= next_percent_ || done == total) {
      std::fprintf(stderr, "%3d%% %zu/%zu %s (%.1f s)\n", percent, done, total, what_.c_str(),
                   elapsed);
      next_percent_ = percent / 10 * 10 + 10;
    }
  }

 private:
  std::string what_;
  bool tty_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_{};
  int next_percent_ = 10;
};

}  // namespace tunggal::cli
