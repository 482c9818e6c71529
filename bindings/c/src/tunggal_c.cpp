// The C ABI over the C++ SDK: exceptions never cross it. tunggal::Error maps
// to its code, std::bad_alloc to TG_LIMIT_EXCEEDED, anything else to
// TG_INTERNAL; the message is kept per thread for tg_last_error().
#include "tunggal/tunggal_c.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "tunggal/sdk.h"

struct tg_template {
  std::vector<tunggal::FingerTemplate> views;
};
struct tg_gallery {
  tunggal::sdk::Session* session = nullptr;
};
struct tg_session {
  std::unique_ptr<tunggal::sdk::Session> session;
  tg_gallery gallery;
};
struct tg_record {
  tunggal::PersonRecord record;
};
struct tg_decision {
  tunggal::DedupDecision decision;
};
struct tg_reader {
  tunggal::sdk::FingerprintReader reader;
};
struct tg_card {
  tunggal::sdk::RenderedCard card;
};

// The C enumerations mirror the C++ ones value for value.
static_assert(TG_BUSY == static_cast<int>(tunggal::ErrorCode::busy));
static_assert(TG_DENIED == static_cast<int>(tunggal::ErrorCode::denied));
static_assert(TG_CONFLICT == static_cast<int>(tunggal::ErrorCode::conflict));
static_assert(TG_LIMIT_EXCEEDED == static_cast<int>(tunggal::ErrorCode::limit_exceeded));
static_assert(TG_INTERNAL == static_cast<int>(tunggal::ErrorCode::internal));
static_assert(TG_CAPTURE_REJECTED == static_cast<int>(tunggal::sdk::CaptureStatus::rejected));
static_assert(TG_CAPTURE_RETRY == static_cast<int>(tunggal::sdk::CaptureStatus::retry));
static_assert(TG_PRINT_CUPS_UNAVAILABLE == static_cast<int>(tunggal::sdk::PrintOutcome::cups_unavailable));
static_assert(TG_PRINT_OUT_OF_MEDIA == static_cast<int>(tunggal::sdk::PrintOutcome::out_of_media));

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

int32_t tg_abi_version(void) {
  return TG_ABI_VERSION;
}

void tg_session_config_init(tg_session_config* c) {
  if (c == nullptr) return;
  *c = tg_session_config{};
  c->face = 1;
  c->min_finger_quality = -1;
}

namespace {
tunggal::sdk::SessionConfig session_config(const tg_session_config* c) {
  tunggal::sdk::SessionConfig cfg;
  if (c->gallery != nullptr) cfg.gallery = c->gallery;
  cfg.access = c->read_only ? tunggal::GalleryAccess::read_only : tunggal::GalleryAccess::read_write;
  if (c->face_models != nullptr) cfg.face_models = c->face_models;
  cfg.face = c->face != 0;
  if (c->verify_fmr != 0) cfg.verify_fmr = c->verify_fmr;
  if (c->target_fpir != 0) cfg.target_fpir = c->target_fpir;
  if (c->max_results != 0) {
    require(c->max_results > 0, "max_results must be positive");
    cfg.max_results = static_cast<std::size_t>(c->max_results);
  }
  if (c->min_finger_quality >= 0) cfg.min_finger_quality = c->min_finger_quality;
  return cfg;
}
}  // namespace

tg_status tg_session_open(const tg_session_config* c, tg_session** out) {
  return guarded([&] {
    require(c != nullptr && out != nullptr, "NULL argument");
    *out = nullptr;
    tunggal::sdk::SessionConfig cfg = session_config(c);
    auto s = std::make_unique<tg_session>();
    s->session = std::make_unique<tunggal::sdk::Session>(cfg);
    s->gallery.session = s->session.get();
    *out = s.release();
  });
}

tg_status tg_session_open_remote(const tg_session_config* c, const char* daemon, const char* token_file,
                                 const char* ca_file, tg_session** out) {
  return guarded([&] {
    require(c != nullptr && out != nullptr && daemon != nullptr && token_file != nullptr, "NULL argument");
    *out = nullptr;
    tunggal::sdk::SessionConfig cfg = session_config(c);
    cfg.daemon = daemon;
    cfg.daemon_token_file = token_file;
    if (ca_file != nullptr) cfg.daemon_ca_file = ca_file;
    auto s = std::make_unique<tg_session>();
    s->session = std::make_unique<tunggal::sdk::Session>(cfg);
    s->gallery.session = s->session.get();
    *out = s.release();
  });
}

void tg_session_free(tg_session* s) {
  delete s;
}

tg_status tg_session_gallery(tg_session* s, tg_gallery** out) {
  return guarded([&] {
    require(s && out, "NULL argument");
    *out = &s->gallery;
  });
}

namespace {

uint8_t* copy_out(std::span<const std::uint8_t> bytes) {
  auto* buf = static_cast<uint8_t*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
  if (!buf) throw std::bad_alloc();
  if (!bytes.empty()) std::memcpy(buf, bytes.data(), bytes.size());
  return buf;
}

void fill_quality(tg_finger_quality* q, const tunggal::sdk::FingerSample& s) {
  if (q == nullptr) return;
  q->quality = s.quality;
  q->acceptable = s.acceptable ? 1 : 0;
  std::string text;
  for (const auto& r : s.reasons) text += (text.empty() ? "" : "; ") + r;
  std::snprintf(q->reasons, sizeof q->reasons, "%s", text.c_str());
}

tunggal::FingerPosition to_position(int32_t p) {
  require(p >= 0 && p <= tunggal::kMaxFingerPosition, "finger position outside 0-10");
  return static_cast<tunggal::FingerPosition>(p);
}

const tunggal::FingerTemplate& first_view(const tg_template* t) {
  require(t != nullptr, "NULL template");
  require(!t->views.empty(), "template without views");
  return t->views.front();
}

}  // namespace

tg_status tg_image_load_gray(const char* path, uint8_t** pixels, int32_t* width, int32_t* height) {
  return guarded([&] {
    require(path && pixels && width && height, "NULL argument");
    *pixels = nullptr;
    const auto img = tunggal::read_gray_image(path);
    *pixels = copy_out(img.pixels);
    *width = img.width;
    *height = img.height;
  });
}

tg_status tg_session_extract(const tg_session* s, const uint8_t* pixels, int32_t width, int32_t height, int32_t dpi,
                             int32_t position, tg_template** out, tg_finger_quality* quality) {
  return guarded([&] {
    require(s && out, "NULL argument");
    *out = nullptr;
    require(width > 0 && height > 0 && pixels != nullptr, "no image");
    tunggal::GrayImage img;
    img.width = width;
    img.height = height;
    img.dpi = dpi;
    img.pixels.assign(pixels, pixels + static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    const auto sample = s->session->extract_finger(img, to_position(position));
    auto t = std::make_unique<tg_template>();
    t->views.push_back(sample.finger);
    fill_quality(quality, sample);
    *out = t.release();
  });
}

tg_status tg_session_compare(const tg_session* s, const tg_template* a, const tg_template* b, double* score) {
  return guarded([&] {
    require(s && score, "NULL argument");
    *score = s->session->compare(first_view(a), first_view(b));
  });
}

tg_status tg_session_verify(const tg_session* s, const tg_template* a, const tg_template* b, double fmr, double* score,
                            int32_t* match) {
  return guarded([&] {
    require(s && score && match, "NULL argument");
    const auto v = s->session->verify(first_view(a), first_view(b),
                                      fmr == 0 ? std::nullopt : std::optional<double>(fmr));
    *score = v.score;
    *match = v.match ? 1 : 0;
  });
}

tg_status tg_record_new(const char* id, tg_record** out) {
  return guarded([&] {
    require(id && out, "NULL argument");
    *out = nullptr;
    auto r = std::make_unique<tg_record>();
    r->record.id = id;
    // The same rules as a decoded record's.
    tunggal::decode_person_record(tunggal::encode_person_record(r->record));
    *out = r.release();
  });
}

tg_status tg_record_decode(const uint8_t* data, size_t size, tg_record** out) {
  return guarded([&] {
    require(out && (data || size == 0), "NULL argument");
    *out = nullptr;
    auto r = std::make_unique<tg_record>();
    r->record = tunggal::decode_person_record({data, size});
    *out = r.release();
  });
}

tg_status tg_record_encode(const tg_record* r, uint8_t** data, size_t* size) {
  return guarded([&] {
    require(r && data && size, "NULL argument");
    *data = nullptr;
    const auto bytes = tunggal::encode_person_record(r->record);
    *data = copy_out(bytes);
    *size = bytes.size();
  });
}

void tg_record_free(tg_record* r) {
  delete r;
}

tg_status tg_record_add_fingers(tg_record* r, const tg_template* t) {
  return guarded([&] {
    require(r && t, "NULL argument");
    auto next = r->record;
    for (const auto& v : t->views) next.fingers.push_back(v);
    tunggal::encode_person_record(next);  // validates: positions set, at most one each
    r->record = std::move(next);
  });
}

tg_status tg_record_set_attribute(tg_record* r, const char* key, const char* value) {
  return guarded([&] {
    require(r && key && value, "NULL argument");
    auto next = r->record;
    auto it = std::find_if(next.attributes.begin(), next.attributes.end(), [&](const auto& kv) { return kv.first == key; });
    if (it != next.attributes.end()) {
      it->second = value;
    } else {
      next.attributes.emplace_back(key, value);
    }
    tunggal::encode_person_record(next);
    r->record = std::move(next);
  });
}

tg_status tg_record_finger_count(const tg_record* r, size_t* out) {
  return guarded([&] {
    require(r && out, "NULL argument");
    *out = r->record.fingers.size();
  });
}

const char* tg_record_id(const tg_record* r) {
  return r == nullptr ? "" : r->record.id.c_str();
}

tg_status tg_gallery_enrol(tg_gallery* g, const tg_record* r) {
  return guarded([&] {
    require(g && r, "NULL argument");
    g->session->enrol(r->record);
  });
}

tg_status tg_gallery_remove(tg_gallery* g, const char* id, int32_t* removed) {
  return guarded([&] {
    require(g && id, "NULL argument");
    const bool done = g->session->remove(id);
    if (removed) *removed = done ? 1 : 0;
  });
}

tg_status tg_gallery_count(const tg_gallery* g, size_t* out) {
  return guarded([&] {
    require(g && out, "NULL argument");
    *out = g->session->count();
  });
}

tg_status tg_gallery_identify(const tg_gallery* g, const tg_record* probe, tg_decision** out) {
  return guarded([&] {
    require(g && probe && out, "NULL argument");
    *out = nullptr;
    auto d = std::make_unique<tg_decision>();
    d->decision = g->session->identify({&probe->record, 1}).front();
    *out = d.release();
  });
}

tg_status tg_gallery_deduplicate(tg_gallery* g, const tg_record* probe, tg_decision** out) {
  return guarded([&] {
    require(g && probe && out, "NULL argument");
    *out = nullptr;
    auto d = std::make_unique<tg_decision>();
    d->decision = g->session->deduplicate(probe->record);
    *out = d.release();
  });
}

void tg_decision_free(tg_decision* d) {
  delete d;
}

int32_t tg_decision_is_duplicate(const tg_decision* d) {
  return d != nullptr && d->decision.decision == tunggal::Decision::duplicate ? 1 : 0;
}

size_t tg_decision_candidate_count(const tg_decision* d) {
  return d == nullptr ? 0 : d->decision.candidates.size();
}

tg_status tg_decision_candidate(const tg_decision* d, size_t i, const char** ref, double* score) {
  return guarded([&] {
    require(d && ref && score, "NULL argument");
    require(i < d->decision.candidates.size(), "candidate index out of range");
    *ref = d->decision.candidates[i].ref.c_str();
    *score = d->decision.candidates[i].score;
  });
}

tg_status tg_reader_open(const char* id, tg_reader** out) {
  return guarded([&] {
    require(out != nullptr, "NULL argument");
    *out = nullptr;
    *out = new tg_reader{tunggal::sdk::FingerprintReader::open(id ? id : "")};
  });
}

tg_status tg_reader_open_virtual(const char* const* paths, size_t count, tg_reader** out) {
  return guarded([&] {
    require(out && (paths || count == 0), "NULL argument");
    *out = nullptr;
    std::vector<tunggal::sdk::VirtualTouch> script;
    for (size_t i = 0; i < count; ++i) {
      require(paths[i] != nullptr, "NULL image path");
      script.push_back(tunggal::sdk::VirtualTouch::finger(tunggal::read_gray_image(paths[i])));
    }
    *out = new tg_reader{tunggal::sdk::FingerprintReader::open_virtual(std::move(script))};
  });
}

void tg_reader_free(tg_reader* r) {
  delete r;
}

tg_status tg_reader_capture_finger(const tg_session* s, tg_reader* r, int32_t position, int32_t timeout_ms,
                                   int32_t* status, tg_template** out, tg_finger_quality* quality) {
  return guarded([&] {
    require(s && r && status && out, "NULL argument");
    require(timeout_ms > 0, "timeout_ms must be positive");
    *out = nullptr;
    const auto c = tunggal::sdk::capture_finger(*s->session, r->reader, to_position(position),
                                                std::chrono::milliseconds(timeout_ms));
    *status = static_cast<int32_t>(c.status);
    if (c.sample) {
      auto t = std::make_unique<tg_template>();
      t->views.push_back(c.sample->finger);
      fill_quality(quality, *c.sample);
      *out = t.release();
    } else if (quality != nullptr) {
      *quality = tg_finger_quality{};
      std::string text;
      for (const auto& reason : c.reasons) text += (text.empty() ? "" : "; ") + reason;
      std::snprintf(quality->reasons, sizeof quality->reasons, "%s", text.c_str());
    }
  });
}

tg_status tg_card_render(const tg_record* r, const char* photo_path, const char* signature_path, const char* issue_date,
                         tg_card** out) {
  return guarded([&] {
    require(r && photo_path && out, "NULL argument");
    *out = nullptr;
    const auto photo = tunggal::read_color_image(photo_path);
    std::optional<tunggal::ColorImage> sig;
    if (signature_path != nullptr && *signature_path != 0) sig = tunggal::read_color_image(signature_path);
    auto c = std::make_unique<tg_card>();
    c->card = tunggal::sdk::render_card(tunggal::sdk::card_data_from_record(r->record, issue_date ? issue_date : ""),
                                        photo, sig ? &*sig : nullptr);
    *out = c.release();
  });
}

void tg_card_free(tg_card* c) {
  delete c;
}

tg_status tg_card_pdf(const tg_card* c, const uint8_t** data, size_t* size) {
  return guarded([&] {
    require(c && data && size, "NULL argument");
    *data = c->card.pdf.data();
    *size = c->card.pdf.size();
  });
}

tg_status tg_card_png(const tg_card* c, const uint8_t** data, size_t* size) {
  return guarded([&] {
    require(c && data && size, "NULL argument");
    *data = c->card.png.data();
    *size = c->card.png.size();
  });
}

tg_status tg_print_pdf(const char* printer, const uint8_t* pdf, size_t size, double timeout_seconds, int32_t* outcome,
                       int32_t* job_id) {
  return guarded([&] {
    require(printer && pdf && outcome, "NULL argument");
    tunggal::sdk::PrintOptions o;
    if (timeout_seconds > 0) o.timeout_seconds = timeout_seconds;
    const auto res = tunggal::sdk::print_pdf(printer, {pdf, size}, o);
    *outcome = static_cast<int32_t>(res.outcome);
    if (job_id) *job_id = res.job_id;
    if (!res.ok()) set_error(std::string(tunggal::sdk::to_string(res.outcome)).c_str(), (": " + res.message).c_str());
  });
}

}  // extern "C"
