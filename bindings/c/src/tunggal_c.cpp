// The C ABI over the C++ SDK: exceptions never cross it. tunggal::Error maps
// to its code, std::bad_alloc to TG_LIMIT_EXCEEDED, anything else to
// TG_INTERNAL; the message is kept per thread for tg_last_error().
#include "tunggal/tunggal_c.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "tunggal/sdk.h"

struct tg_template {
  std::vector<tunggal::FingerTemplate> views;
};

namespace {
thread_local std::string g_last_error;

// Keeping the message may itself fail to allocate; the status still returns.
void set_error(const char* a, const char* b = "") noexcept {
  try {
    g_last_error.assign(a);
    g_last_error.append(b);
  } catch (...) {
    g_last_error.clear();
  }
}

template <typename F>
tg_status guarded(F&& f) noexcept {
  try {
    g_last_error.clear();
    f();
    return TG_OK;
  } catch (const tunggal::Error& e) {
    set_error(e.what());
    return static_cast<tg_status>(e.code());
  } catch (const std::bad_alloc&) {
    set_error("out of memory");
    return TG_LIMIT_EXCEEDED;
  } catch (const std::exception& e) {
    set_error("internal error: ", e.what());
    return TG_INTERNAL;
  } catch (...) {
    set_error("internal error");
    return TG_INTERNAL;
  }
}

void require(bool ok, const char* what) {
  if (!ok) throw tunggal::Error(tunggal::ErrorCode::invalid_argument, what);
}

tunggal::TemplateFormat to_format(std::int32_t f) {
  require(f >= TG_FORMAT_ISO19794_2 && f <= TG_FORMAT_NATIVE, "unknown tg_format");
  return static_cast<tunggal::TemplateFormat>(f);
}
}  // namespace

extern "C" {

const char* tg_version(void) {
  return TUNGGAL_VERSION_STRING;
}
const char* tg_last_error(void) {
  return g_last_error.c_str();
}

tg_status tg_template_decode(const uint8_t* data, size_t size, int32_t format, tg_template** out) {
  return guarded([&] {
    require(out != nullptr, "out is NULL");
    *out = nullptr;
    require(data != nullptr || size == 0, "data is NULL");
    const std::span<const std::uint8_t> bytes(data, size);
    tunggal::DecodeOptions options;
    options.xyt_convention = tunggal::XytConvention::m1;
    const auto fmt = format == TG_FORMAT_AUTO ? tunggal::detect_format(bytes) : to_format(format);
    auto t = std::make_unique<tg_template>();
    t->views = tunggal::decode(bytes, fmt, options);
    *out = t.release();
  });
}

void tg_template_free(tg_template* t) {
  delete t;
}

tg_status tg_template_view_count(const tg_template* t, size_t* out) {
  return guarded([&] {
    require(t && out, "NULL argument");
    *out = t->views.size();
  });
}

tg_status tg_template_minutia_count(const tg_template* t, size_t view, size_t* out) {
  return guarded([&] {
    require(t && out, "NULL argument");
    require(view < t->views.size(), "view index out of range");
    *out = t->views[view].minutiae.size();
  });
}

tg_status tg_template_minutiae(const tg_template* t, size_t view, tg_minutia* out, size_t capacity,
                               size_t* written) {
  return guarded([&] {
    require(t && written && (out || capacity == 0), "NULL argument");
    require(view < t->views.size(), "view index out of range");
    const auto& m = t->views[view].minutiae;
    const size_t n = std::min(capacity, m.size());
    for (size_t i = 0; i < n; ++i) {
      out[i] =
          tg_minutia{m[i].x, m[i].y, m[i].angle, static_cast<uint8_t>(m[i].type), m[i].quality};
    }
    *written = n;
  });
}

tg_status tg_template_encode(const tg_template* t, int32_t format, uint8_t** data, size_t* size) {
  return guarded([&] {
    require(t && data && size, "NULL argument");
    *data = nullptr;
    *size = 0;
    tunggal::EncodeOptions options;
    options.xyt_convention = tunggal::XytConvention::m1;
    const auto bytes = tunggal::encode(t->views, to_format(format), options);
    auto* buf = static_cast<uint8_t*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
    if (!buf) throw std::bad_alloc();
    std::memcpy(buf, bytes.data(), bytes.size());
    *data = buf;
    *size = bytes.size();
  });
}

void tg_buffer_free(uint8_t* data) {
  std::free(data);
}

}  // extern "C"
