// libFuzzer target for the card's inputs: a person record's attributes (as
// `tunggal gen` writes them, here "key=value" lines from the fuzzer) and the
// date of issue go through card_data_from_record, validation and the whole
// rendering (PDF and PNG, pango's layout of whatever text survives
// validation). Contract: only tunggal::Error escapes, and a card that
// renders is a PDF and a PNG.
#include <cstdlib>
#include <string>
#include <string_view>

#include "tunggal/error.h"
#include "tunggal/sdk/card.h"

using namespace tunggal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  PersonRecord r;
  r.id = "F";
  std::string issue_date;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t eol = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, eol - at);
    at = eol + 1;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string key(line.substr(0, eq)), value(line.substr(eq + 1));
    if (key == "issue_date") {
      issue_date = value;
    } else {
      r.attributes.emplace_back(key, value);
    }
  }
  ColorImage photo;
  photo.width = 64;
  photo.height = 80;
  photo.rgb.resize(64 * 80 * 3);
  for (std::size_t i = 0; i < photo.rgb.size(); ++i) photo.rgb[i] = static_cast<std::uint8_t>(i * 7);
  try {
    sdk::CardRenderOptions o;
    o.png_dpi = 72;  // the layout is the same at every resolution; keep runs fast
    const auto card = sdk::render_card(sdk::card_data_from_record(r, issue_date.empty() ? "01-12-2026" : issue_date),
                                       photo, nullptr, o);
    if (card.pdf.size() < 5 || card.pdf[0] != '%' || card.png.size() < 8 || card.png[1] != 'P') std::abort();
  } catch (const Error& e) {
    if (e.code() == ErrorCode::internal) std::abort();
  }
  return 0;
}
