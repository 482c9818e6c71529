// The KTP-el front with cairo (PDF and image surfaces) and pango (text
// layout, wrapping, font fallback). Every text box is fitted once on a
// scratch context with hinted metrics off, so that the PDF and the PNG,
// drawn by the same code at the same sizes, break lines identically.
#include "tunggal/sdk/card.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <glib.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>

#include "tunggal/error.h"

namespace tunggal::sdk {
namespace {

constexpr double kMm = 72.0 / 25.4;  // points per millimetre
constexpr double kCardW = 85.60 * kMm, kCardH = 53.98 * kMm;
constexpr std::size_t kMaxField = 200;

[[noreturn]] void invalid(const std::string& what) { throw Error(ErrorCode::invalid_argument, "card: " + what); }

bool is_date(const std::string& s) {
  if (s.size() != 10 || s[2] != '-' || s[5] != '-') return false;
  for (std::size_t i : {0u, 1u, 3u, 4u, 6u, 7u, 8u, 9u})
    if (s[i] < '0' || s[i] > '9') return false;
  const int d = std::stoi(s.substr(0, 2)), m = std::stoi(s.substr(3, 2));
  return d >= 1 && d <= 31 && m >= 1 && m <= 12;
}

void check_text(const std::string& name, const std::string& v, bool required) {
  if (required && v.empty()) invalid(name + " is empty");
  if (v.size() > kMaxField) invalid(name + " is " + std::to_string(v.size()) + " bytes, over the limit of 200");
  if (!g_utf8_validate(v.data(), static_cast<gssize>(v.size()), nullptr)) invalid(name + " is not valid UTF-8");
  for (const unsigned char c : v)
    if (c < 0x20 || c == 0x7F) invalid(name + " holds a control character");
}

// RAII for the C libraries' objects.
struct CairoDel {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct GDel {
  void operator()(gpointer p) const { g_object_unref(p); }
};
using Cairo = std::unique_ptr<cairo_t, CairoDel>;
using Surface = std::unique_ptr<cairo_surface_t, CairoDel>;
using Layout = std::unique_ptr<PangoLayout, GDel>;

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  auto* v = static_cast<std::vector<std::uint8_t>*>(closure);
  v->insert(v->end(), data, data + length);
  return CAIRO_STATUS_SUCCESS;
}

// A layout in user units of points, with metrics that do not depend on the
// surface's resolution.
Layout make_layout(cairo_t* cr) {
  Layout l(pango_cairo_create_layout(cr));
  PangoContext* pc = pango_layout_get_context(l.get());
  pango_cairo_context_set_resolution(pc, 72.0);
  cairo_font_options_t* fo = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(pc, fo);
  cairo_font_options_destroy(fo);
  // A user unit is a point here: rounding glyph positions to it would
  // space the letters of a 5-point font unevenly.
  pango_context_set_round_glyph_positions(pc, FALSE);
  pango_layout_context_changed(l.get());
  return l;
}

void set_text(PangoLayout* l, const std::string& family, bool bold, double points, double width,
              const std::string& text, PangoAlignment align) {
  PangoFontDescription* fd = pango_font_description_new();
  pango_font_description_set_family(fd, family.c_str());
  pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_size(fd, static_cast<gint>(std::lround(points * PANGO_SCALE)));
  pango_layout_set_font_description(l, fd);
  pango_font_description_free(fd);
  pango_layout_set_width(l, static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment(l, align);
  pango_layout_set_text(l, text.c_str(), static_cast<int>(text.size()));
}

// One text box: where, how large at most, how many lines.
struct Box {
  std::string name;  // for messages
  std::string text;
  double x = 0, y = 0, width = 0;  // points; y = top of the first line
  double points = 5.6;
  int max_lines = 1;
  bool bold = false;
  PangoAlignment align = PANGO_ALIGN_LEFT;
  // Fitted:
  double fitted = 0;
  int lines = 0;
};

// The largest size from box.points down to `min_points` (quarter points)
// at which the text takes at most max_lines lines of the box's width.
void fit(cairo_t* scratch, Box& b, const std::string& family, double min_points) {
  Layout l = make_layout(scratch);
  for (double p = b.points; p >= min_points - 1e-9; p -= 0.25) {
    set_text(l.get(), family, b.bold, p, b.width, b.text, b.align);
    const int lines = pango_layout_get_line_count(l.get());
    PangoRectangle ink, logical;
    pango_layout_get_extents(l.get(), &ink, &logical);
    if (lines <= b.max_lines && logical.width <= b.width * PANGO_SCALE + PANGO_SCALE / 2) {
      b.fitted = p;
      b.lines = lines;
      return;
    }
  }
  char w[32];
  std::snprintf(w, sizeof w, "%.1f", b.width / kMm);
  invalid(b.name + " does not fit its box even at " + std::to_string(min_points).substr(0, 3) + " pt (" +
          std::to_string(b.max_lines) + (b.max_lines == 1 ? " line" : " lines") + " of " + w + " mm): " +
          std::to_string(b.text.size()) + " bytes");
}

void draw_box(cairo_t* cr, const Box& b, const std::string& family) {
  Layout l = make_layout(cr);
  set_text(l.get(), family, b.bold, b.fitted, b.width, b.text, b.align);
  if (pango_layout_get_line_count(l.get()) > b.max_lines)
    throw Error(ErrorCode::internal, "card: " + b.name + " broke differently when drawn");
  cairo_move_to(cr, b.x, b.y);
  pango_cairo_show_layout(cr, l.get());
}

// A cairo image of an RGB picture (the caller keeps the pixels alive).
struct Picture {
  std::vector<std::uint32_t> argb;
  Surface surface;
};

Picture to_surface(const ColorImage& img) {
  Picture p;
  const int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, img.width);
  p.argb.assign(static_cast<std::size_t>(stride / 4) * static_cast<std::size_t>(img.height), 0);
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      const std::uint8_t* px = &img.rgb[(static_cast<std::size_t>(y) * img.width + x) * 3];
      p.argb[static_cast<std::size_t>(y) * (stride / 4) + x] = 0xFF000000u | (std::uint32_t{px[0]} << 16) |
                                                                (std::uint32_t{px[1]} << 8) | px[2];
    }
  }
  p.surface.reset(cairo_image_surface_create_for_data(reinterpret_cast<unsigned char*>(p.argb.data()),
                                                      CAIRO_FORMAT_RGB24, img.width, img.height, stride));
  return p;
}

void check_picture(const ColorImage& img, const char* what, int min_w, int min_h) {
  const std::string name = what;
  if (img.width <= 0 || img.height <= 0 || img.rgb.size() != static_cast<std::size_t>(img.width) * img.height * 3)
    throw Error(ErrorCode::malformed_data, "card: the " + name + " is missing or its pixel buffer has the wrong size");
  if (img.width < min_w || img.height < min_h)
    throw Error(ErrorCode::malformed_data, "card: the " + name + " is " + std::to_string(img.width) + "x" +
                                               std::to_string(img.height) + ", smaller than " + std::to_string(min_w) +
                                               "x" + std::to_string(min_h));
  const auto [lo, hi] = std::minmax_element(img.rgb.begin(), img.rgb.end());
  if (*hi - *lo < 16) throw Error(ErrorCode::malformed_data, "card: the " + name + " is blank (one colour)");
}

// Draws `pic` into the rectangle: `cover` fills it (cropping the overflow),
// otherwise it is contained (letterboxed) and centred.
void draw_picture(cairo_t* cr, const Picture& pic, int w, int h, double x, double y, double bw, double bh, bool cover) {
  const double sx = bw / w, sy = bh / h;
  const double s = cover ? std::max(sx, sy) : std::min(sx, sy);
  cairo_save(cr);
  cairo_rectangle(cr, x, y, bw, bh);
  cairo_clip(cr);
  cairo_translate(cr, x + (bw - w * s) / 2, y + (bh - h * s) / 2);
  cairo_scale(cr, s, s);
  cairo_set_source_surface(cr, pic.surface.get(), 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BEST);
  cairo_paint(cr);
  cairo_restore(cr);
}

struct Layouted {
  std::vector<Box> boxes;
  double photo_x, photo_y, photo_w, photo_h, sig_x, sig_y, sig_w, sig_h;
};

std::string with_prefix(const std::string& prefix, const std::string& v) {
  return v.rfind(prefix, 0) == 0 ? v : prefix + v;
}

Layouted lay_out(const CardData& d, const CardRenderOptions& o, cairo_t* scratch) {
  Layouted L;
  const double left = 3.6 * kMm, colon = 21.2 * kMm, value = 22.4 * kMm, right = 60.6 * kMm;
  const double body = 5.6, line = body * 1.2;
  auto add = [&](Box b) {
    fit(scratch, b, o.font_family, o.min_font_points);
    L.boxes.push_back(std::move(b));
    return L.boxes.back();
  };
  // Header: province and regency/city, centred over the card.
  add({"PROVINSI", with_prefix("PROVINSI ", d.provinsi), 3 * kMm, 2.2 * kMm, kCardW - 6 * kMm, 7.2, 1, true,
       PANGO_ALIGN_CENTER});
  add({"KABUPATEN/KOTA", d.kabupaten_kota, 3 * kMm, 5.6 * kMm, kCardW - 6 * kMm, 7.2, 1, true, PANGO_ALIGN_CENTER});
  // NIK.
  add({"NIK label", "NIK", left, 10.0 * kMm, 12 * kMm, 9.0, 1, true});
  add({"NIK label colon", ":", 14.6 * kMm, 10.0 * kMm, 2 * kMm, 9.0, 1, true});
  add({"NIK", d.nik, 16.2 * kMm, 10.0 * kMm, right - 16.2 * kMm, 9.5, 1, true});
  // The rows: label, colon, value; a value may take two lines where the
  // card allows it, and the rows below move down.
  double y = 15.2 * kMm;
  auto row = [&](const std::string& label, const std::string& v, int max_lines, double value_right) {
    add({label + " label", label, left, y, colon - left, body, 1});
    add({label + " colon", ":", colon, y, 1.2 * kMm, body, 1});
    const Box& b = add({label, v, value, y, value_right - value, body, max_lines});
    // A value on several lines (smaller when shrunk) pushes the rows down.
    y += std::max(line, b.lines * b.fitted * 1.2);
  };
  row("Nama", d.nama, 2, right);
  row("Tempat/Tgl Lahir", d.tempat_lahir + ", " + d.tanggal_lahir, 1, right);
  {
    // Jenis Kelamin and Gol. Darah share a row.
    const double gol = 42.5 * kMm;
    add({"Gol. Darah label", "Gol. Darah", gol, y, 12 * kMm, body, 1});
    add({"Gol. Darah colon", ":", gol + 10.6 * kMm, y, 1.2 * kMm, body, 1});
    add({"Gol. Darah", d.gol_darah, gol + 11.8 * kMm, y, right - gol - 11.8 * kMm, body, 1});
    row("Jenis Kelamin", d.jenis_kelamin, 1, gol - 1 * kMm);
  }
  row("Alamat", d.alamat, 3, right);
  row("RT/RW", d.rt_rw, 1, right);
  row("Kel/Desa", d.kel_desa, 1, right);
  row("Kecamatan", d.kecamatan, 1, right);
  row("Agama", d.agama, 1, right);
  row("Status Perkawinan", d.status_perkawinan, 1, right);
  row("Pekerjaan", d.pekerjaan, 1, right);
  row("Kewarganegaraan", d.kewarganegaraan, 1, right);
  row("Berlaku Hingga", d.berlaku_hingga, 1, right);
  if (y > kCardH - 1.5 * kMm) invalid("the fields take more height than the card has");
  // Photo, place and date of issue, signature.
  L.photo_x = 62.4 * kMm, L.photo_y = 10.4 * kMm, L.photo_w = 20.4 * kMm, L.photo_h = 25.5 * kMm;
  const double cx = L.photo_x - 1 * kMm, cw = L.photo_w + 2 * kMm;
  add({"tempat terbit", d.tempat_terbit, cx, 37.0 * kMm, cw, 5.2, 1, false, PANGO_ALIGN_CENTER});
  add({"tanggal terbit", d.tanggal_terbit, cx, 39.4 * kMm, cw, 5.2, 1, false, PANGO_ALIGN_CENTER});
  L.sig_x = 63.4 * kMm, L.sig_y = 42.4 * kMm, L.sig_w = 18.4 * kMm, L.sig_h = 8.4 * kMm;
  return L;
}

void draw_card(cairo_t* cr, const Layouted& L, const CardRenderOptions& o, const Picture& photo, const ColorImage& ph,
               const Picture* sig, const ColorImage* sg) {
  // Background: the card's pale blue, lighter towards the bottom.
  cairo_pattern_t* bg = cairo_pattern_create_linear(0, 0, 0, kCardH);
  cairo_pattern_add_color_stop_rgb(bg, 0, 0.78, 0.88, 0.96);
  cairo_pattern_add_color_stop_rgb(bg, 1, 0.93, 0.97, 0.99);
  cairo_rectangle(cr, 0, 0, kCardW, kCardH);
  cairo_set_source(cr, bg);
  cairo_fill(cr);
  cairo_pattern_destroy(bg);
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (const Box& b : L.boxes) draw_box(cr, b, o.font_family);
  draw_picture(cr, photo, ph.width, ph.height, L.photo_x, L.photo_y, L.photo_w, L.photo_h, true);
  cairo_set_line_width(cr, 0.4);
  cairo_set_source_rgb(cr, 0.35, 0.35, 0.4);
  cairo_rectangle(cr, L.photo_x, L.photo_y, L.photo_w, L.photo_h);
  cairo_stroke(cr);
  if (sig != nullptr) {
    draw_picture(cr, *sig, sg->width, sg->height, L.sig_x, L.sig_y, L.sig_w, L.sig_h, false);
  } else {
    // No captured signature: the box stays for a wet one.
    cairo_set_line_width(cr, 0.3);
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.6);
    cairo_rectangle(cr, L.sig_x, L.sig_y, L.sig_w, L.sig_h);
    cairo_stroke(cr);
  }
}

void check(cairo_status_t s, const char* what) {
  if (s != CAIRO_STATUS_SUCCESS)
    throw Error(ErrorCode::internal, std::string("card: cairo failed while ") + what + ": " + cairo_status_to_string(s));
}

}  // namespace

void validate_card_data(const CardData& d) {
  const std::pair<const char*, const std::string*> required[] = {
      {"PROVINSI", &d.provinsi},          {"KABUPATEN/KOTA", &d.kabupaten_kota}, {"NIK", &d.nik},
      {"Nama", &d.nama},                  {"Tempat Lahir", &d.tempat_lahir},     {"Tgl Lahir", &d.tanggal_lahir},
      {"Jenis Kelamin", &d.jenis_kelamin}, {"Alamat", &d.alamat},                {"RT/RW", &d.rt_rw},
      {"Kel/Desa", &d.kel_desa},          {"Kecamatan", &d.kecamatan},           {"Agama", &d.agama},
      {"Status Perkawinan", &d.status_perkawinan}, {"Pekerjaan", &d.pekerjaan},
      {"Kewarganegaraan", &d.kewarganegaraan},     {"Berlaku Hingga", &d.berlaku_hingga},
      {"tempat terbit", &d.tempat_terbit},         {"tanggal terbit", &d.tanggal_terbit}};
  for (const auto& [name, v] : required) check_text(name, *v, true);
  check_text("Gol. Darah", d.gol_darah, false);
  if (d.nik.size() != 16 || !std::all_of(d.nik.begin(), d.nik.end(), [](char c) { return c >= '0' && c <= '9'; }))
    invalid("NIK must be 16 digits");
  if (!is_date(d.tanggal_lahir)) invalid("Tgl Lahir must be DD-MM-YYYY");
  if (!is_date(d.tanggal_terbit)) invalid("tanggal terbit must be DD-MM-YYYY");
}

CardData card_data_from_record(const PersonRecord& r, const std::string& issue_date) {
  const auto get = [&](const char* key) -> std::string {
    const std::string* v = r.attribute(key);
    if (v == nullptr || v->empty())
      throw Error(ErrorCode::malformed_data, "card: record " + r.id + " has no attribute '" + key + "'");
    return *v;
  };
  const auto opt = [&](const char* key, const char* fallback) {
    const std::string* v = r.attribute(key);
    return v == nullptr || v->empty() ? std::string(fallback) : *v;
  };
  CardData d;
  d.provinsi = get("province");
  d.kabupaten_kota = get("regency");
  d.nik = get("nik");
  d.nama = get("name");
  d.tempat_lahir = get("birth_place");
  d.tanggal_lahir = get("birth_date");
  d.jenis_kelamin = get("sex");
  d.gol_darah = opt("blood_type", "-");
  d.alamat = get("address");
  d.rt_rw = get("rt_rw");
  d.kel_desa = get("village");
  d.kecamatan = get("district");
  d.agama = get("religion");
  d.status_perkawinan = get("marital_status");
  d.pekerjaan = get("occupation");
  d.kewarganegaraan = opt("citizenship", "WNI");
  d.tempat_terbit = d.kabupaten_kota;
  if (issue_date.empty()) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%d-%m-%Y", &tm);
    d.tanggal_terbit = buf;
  } else {
    d.tanggal_terbit = issue_date;
  }
  return d;
}

RenderedCard render_card(const CardData& data, const ColorImage& photo, const ColorImage* signature,
                         const CardRenderOptions& o) {
  validate_card_data(data);
  if (o.png_dpi < 72 || o.png_dpi > 1200) invalid("png_dpi must lie in 72..1200");
  if (!(o.min_font_points >= 2 && o.min_font_points <= 5.2)) invalid("min_font_points must lie in 2..5.2 (the smallest box's usual size)");
  check_picture(photo, "photo", 64, 80);
  if (signature != nullptr) check_picture(*signature, "signature", 32, 12);
  // Fitting on a scratch surface; the sizes found are drawn on both.
  Surface scratch_surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, 8, 8));
  Cairo scratch(cairo_create(scratch_surface.get()));
  const Layouted L = lay_out(data, o, scratch.get());
  const Picture ph = to_surface(photo);
  std::optional<Picture> sg;
  if (signature != nullptr) sg = to_surface(*signature);
  RenderedCard out;
  for (const Box& b : L.boxes)
    if (b.fitted < b.points - 1e-9 || b.lines > 1)
      out.adjusted.push_back(b.name + ": " + std::to_string(b.fitted).substr(0, 4) + " pt, " + std::to_string(b.lines) +
                             (b.lines == 1 ? " line" : " lines"));
  {
    Surface pdf(cairo_pdf_surface_create_for_stream(append, &out.pdf, kCardW, kCardH));
    check(cairo_surface_status(pdf.get()), "creating the PDF");
    cairo_pdf_surface_set_metadata(pdf.get(), CAIRO_PDF_METADATA_TITLE, "KTP-el");
    cairo_pdf_surface_set_metadata(pdf.get(), CAIRO_PDF_METADATA_CREATOR, "tunggal");
    Cairo cr(cairo_create(pdf.get()));
    draw_card(cr.get(), L, o, ph, photo, sg ? &*sg : nullptr, signature);
    cairo_show_page(cr.get());
    check(cairo_status(cr.get()), "drawing the PDF");
    cr.reset();
    cairo_surface_finish(pdf.get());
    check(cairo_surface_status(pdf.get()), "finishing the PDF");
  }
  {
    out.png_width = static_cast<int>(std::lround(85.60 / 25.4 * o.png_dpi));
    out.png_height = static_cast<int>(std::lround(53.98 / 25.4 * o.png_dpi));
    Surface img(cairo_image_surface_create(CAIRO_FORMAT_RGB24, out.png_width, out.png_height));
    check(cairo_surface_status(img.get()), "creating the image");
    Cairo cr(cairo_create(img.get()));
    cairo_scale(cr.get(), o.png_dpi / 72.0, o.png_dpi / 72.0);
    draw_card(cr.get(), L, o, ph, photo, sg ? &*sg : nullptr, signature);
    check(cairo_status(cr.get()), "drawing the image");
    cr.reset();
    check(cairo_surface_write_to_png_stream(img.get(), append, &out.png), "writing the PNG");
  }
  return out;
}

}  // namespace tunggal::sdk
