// What an uploaded document is, by its content: a PDF without active
// content, or a JPEG or PNG that decodes and ends where its format ends.
// First bytes alone let through "%PDF-1.4" followed by a script, and files
// that are a PNG and a PDF at once.
#include "documents.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

#include "tunggal/error.h"
#include "tunggal/image.h"

namespace tunggal::workflow::detail {
namespace {

bool starts_with(std::span<const std::uint8_t> b, std::string_view s) {
  return b.size() >= s.size() && std::memcmp(b.data(), s.data(), s.size()) == 0;
}

std::string_view as_text(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// PDF names may hide letters as #xx (/J#61vaScript is /JavaScript).
std::string unescape_names(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Names that make a PDF do something when opened: scripts, launching
// programs, embedded files, forms that submit, multimedia.
constexpr std::array<std::string_view, 12> kActiveNames = {
    "/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/OpenAction", "/AA",
    "/RichMedia",  "/XFA", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE",
};

// A name followed by a delimiter (so /JS is not /JSomething).
std::string active_name_in(std::string_view text) {
  for (const auto name : kActiveNames) {
    for (std::size_t at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
      const std::size_t end = at + name.size();
      const char next = end < text.size() ? text[end] : ' ';
      if (std::strchr(" \t\r\n\f/<>[]()%", next) != nullptr || next == '\0') return std::string(name);
    }
  }
  return "";
}

// Inflates every zlib stream in the file (object streams can hide the
// dictionaries above), to at most `budget` bytes in all.
std::string inflate_streams(std::string_view pdf, std::size_t budget, bool& over_budget) {
  std::string out;
  over_budget = false;
  for (std::size_t at = pdf.find("stream"); at != std::string_view::npos; at = pdf.find("stream", at + 6)) {
    if (at >= 3 && pdf.substr(at - 3, 3) == "end") continue;
    std::size_t begin = at + 6;
    if (begin < pdf.size() && pdf[begin] == '\r') ++begin;
    if (begin < pdf.size() && pdf[begin] == '\n') ++begin;
    const std::size_t end = pdf.find("endstream", begin);
    if (end == std::string_view::npos) break;
    z_stream z{};
    if (inflateInit(&z) != Z_OK) continue;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(pdf.data() + begin));
    z.avail_in = static_cast<uInt>(end - begin);
    std::array<char, 16384> buf{};
    int rc = Z_OK;
    while (rc == Z_OK) {
      z.next_out = reinterpret_cast<Bytef*>(buf.data());
      z.avail_out = buf.size();
      rc = inflate(&z, Z_NO_FLUSH);
      out.append(buf.data(), buf.size() - z.avail_out);
      if (out.size() > budget) {
        over_budget = true;
        break;
      }
    }
    inflateEnd(&z);
    if (over_budget) break;
    out.push_back('\n');
    at = end;
  }
  return out;
}

std::string pdf_problem(std::span<const std::uint8_t> bytes) {
  const std::string_view text = as_text(bytes);
  // The end of file marker, in the last 1 KiB (trailing whitespace allowed).
  const std::size_t tail = text.size() > 1024 ? text.size() - 1024 : 0;
  if (text.find("%%EOF", tail) == std::string_view::npos) return "a PDF without its end-of-file marker (%%EOF): cut short or not a PDF";
  if (text.find("\x89PNG\r\n\x1A\n") != std::string_view::npos) return "a PDF that holds a PNG file (a polyglot)";
  if (const auto name = active_name_in(unescape_names(text)); !name.empty())
    return "a PDF with active content (" + name + "): scan or print it again as a plain PDF";
  bool over = false;
  const std::string inflated = inflate_streams(text, 8 * bytes.size() + (1u << 20), over);
  if (over) return "a PDF whose compressed streams expand past 8 times its size";
  if (const auto name = active_name_in(unescape_names(inflated)); !name.empty())
    return "a PDF with active content (" + name + ", in a compressed stream): scan or print it again as a plain PDF";
  return "";
}

// Where the image format says the file ends; bytes after it are refused
// (a PDF appended to a PNG opens as either).
std::string image_end_problem(std::span<const std::uint8_t> b, bool png) {
  if (png) {
    static constexpr std::uint8_t kIend[] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    if (b.size() < 20 || !std::equal(std::end(kIend) - 12, std::end(kIend), b.end() - 12))
      return "a PNG that does not end with its IEND chunk (data after the image)";
    return "";
  }
  std::size_t end = b.size();
  while (end > 2 && b[end - 1] == 0) --end;  // some cameras pad with zeros
  if (end < 4 || b[end - 2] != 0xFF || b[end - 1] != 0xD9) return "a JPEG that does not end with its end-of-image marker";
  return "";
}

}  // namespace

DocumentCheck check_document(std::span<const std::uint8_t> bytes) {
  DocumentCheck c;
  if (starts_with(bytes, "%PDF-")) {
    c.type = "application/pdf";
    c.problem = pdf_problem(bytes);
    return c;
  }
  const bool png = starts_with(bytes, "\x89PNG\r\n\x1A\n");
  const bool jpeg = bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
  if (!png && !jpeg) {
    c.problem = "not a PDF, JPEG or PNG (by its content)";
    return c;
  }
  c.type = png ? "image/png" : "image/jpeg";
  c.problem = image_end_problem(bytes, png);
  if (!c.problem.empty()) return c;
  if (as_text(bytes).find("%PDF-") != std::string_view::npos) {
    c.problem = std::string("a ") + (png ? "PNG" : "JPEG") + " that holds a PDF (a polyglot)";
    return c;
  }
  try {
    (void)decode_color_image(bytes);  // size-checked from its header first
  } catch (const Error& e) {
    c.problem = std::string("an image that does not decode: ") + e.what();
  }
  return c;
}

}  // namespace tunggal::workflow::detail
