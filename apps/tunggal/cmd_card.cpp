// `tunggal card` and `tunggal print`: the print room's two steps through the
// SDK (tunggal/sdk/card.h, tunggal/sdk/printing.h).
#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "json_out.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/sdk.h"

namespace tunggal::cli {

namespace {

// The images under `dir` (sorted), for photos in batch mode.
std::vector<std::filesystem::path> images_under(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file() && datasets::is_image_file(e.path().string())) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Runner add_card(CLI::App& app) {
  struct Args {
    std::string record, photo, signature, out, png, issue_date;
    std::string batch, records, photos, out_dir, printer;
    int dpi = 300;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("card", "Render the KTP-el front of a person record (tunggal gen) as PDF and PNG");
  cmd->add_option("record", a->record, "Person record (.tgr) with the demographic attributes");
  cmd->add_option("--photo", a->photo, "The holder's photo (any image the face pipeline reads)");
  cmd->add_option("--signature", a->signature, "A captured signature image (without one the box stays empty)");
  cmd->add_option("-o,--out", a->out, "The card as vector PDF (ID-1, 85.60 x 53.98 mm)");
  cmd->add_option("--png", a->png, "Also the card as PNG");
  cmd->add_option("--dpi", a->dpi, "PNG resolution")->capture_default_str();
  cmd->add_option("--issue-date", a->issue_date, "Date of issue DD-MM-YYYY (default: today, UTC)");
  cmd->add_option("--batch", a->batch,
                  "Batch: the JSON lines of `tunggal identify`/`dedup`; a card for every probe found unique");
  cmd->add_option("--records", a->records, "Batch: the folder of the probes' records (<id>.tgr), e.g. a population's records/");
  cmd->add_option("--photos", a->photos, "Batch: a folder of photos, taken in turn (sorted)");
  cmd->add_option("--out-dir", a->out_dir, "Batch: where the cards go (<id>.pdf, <id>.png)");
  cmd->add_option("--printer", a->printer, "Batch: also print each card on this CUPS queue");
  return [a] {
    sdk::CardRenderOptions o;
    o.png_dpi = a->dpi;
    if (a->batch.empty()) {
      if (a->record.empty() || a->photo.empty() || a->out.empty())
        throw Error(ErrorCode::invalid_argument, "card: give RECORD --photo IMAGE -o CARD.pdf (or --batch ...)");
      const PersonRecord record = decode_person_record(read_file(a->record, kMaxTemplateBytes));
      const ColorImage photo = read_color_image(a->photo);
      std::optional<ColorImage> signature;
      if (!a->signature.empty()) signature = read_color_image(a->signature);
      const auto card = sdk::render_card(sdk::card_data_from_record(record, a->issue_date), photo,
                                         signature ? &*signature : nullptr, o);
      // Written whole and owner-only: a card is personal data.
      write_file_durably(a->out, card.pdf);
      if (!a->png.empty()) write_file_durably(a->png, card.png);
      std::cout << "card of " << record.id << ": " << a->out << " (" << card.pdf.size() << " bytes)";
      if (!a->png.empty()) std::cout << ", " << a->png << " (" << card.png_width << "x" << card.png_height << ")";
      std::cout << "\n";
      for (const auto& adj : card.adjusted) std::cout << "  fitted: " << adj << "\n";
      return 0;
    }
    if (a->records.empty() || a->photos.empty() || a->out_dir.empty())
      throw Error(ErrorCode::invalid_argument, "card --batch needs --records, --photos and --out-dir");
    const auto photos = images_under(a->photos);
    if (photos.empty()) throw Error(ErrorCode::not_found, a->photos + ": no photos");
    std::filesystem::create_directories(a->out_dir);
    std::ifstream in(a->batch);
    if (!in) throw Error(ErrorCode::not_found, a->batch + ": cannot open");
    int rendered = 0, printed = 0, failures = 0;
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
      if (line.empty()) continue;
      const std::string where = a->batch + ", line " + std::to_string(n);
      Json d;
      try {
        d = Json::parse(line);
      } catch (const Json::exception& e) {
        throw Error(ErrorCode::malformed_data, where + ": not JSON (" + e.what() + ")");
      }
      if (!d.is_object() || !d.contains("probe") || !d["probe"].is_string() || !d.contains("decision") ||
          !d["decision"].is_string())
        throw Error(ErrorCode::malformed_data, where + ": expected {\"probe\": id, \"decision\": ...}");
      if (d["decision"] != "unique") continue;
      const std::string id = d["probe"];
      try {
        const PersonRecord record = decode_person_record(
            read_file(std::filesystem::path(a->records) / (id + ".tgr"), kMaxTemplateBytes));
        const auto& photo = photos[static_cast<std::size_t>(rendered) % photos.size()];
        const auto card = sdk::render_card(sdk::card_data_from_record(record, a->issue_date),
                                           read_color_image(photo), nullptr, o);
        const auto pdf = std::filesystem::path(a->out_dir) / (id + ".pdf");
        write_file_durably(pdf, card.pdf);
        write_file_durably(std::filesystem::path(a->out_dir) / (id + ".png"), card.png);
        ++rendered;
        if (!a->printer.empty()) {
          const auto r = sdk::print_pdf(a->printer, card.pdf);
          if (r.ok()) {
            ++printed;
          } else {
            std::cerr << id << ": not printed: " << sdk::to_string(r.outcome) << "; " << r.message << "\n";
            ++failures;
          }
        }
      } catch (const Error& e) {
        std::cerr << id << ": " << e.what() << "\n";
        ++failures;
      }
    }
    std::cout << "cards: " << rendered << " rendered into " << a->out_dir;
    if (!a->printer.empty()) std::cout << ", " << printed << " printed on " << a->printer;
    std::cout << "\n";
    return failures > 0 ? 1 : 0;
  };
}

Runner add_print(CLI::App& app) {
  struct Args {
    std::string printer, pdf;
    double timeout = 120;
    int copies = 1;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("print",
                                 "Print a card PDF on a CUPS queue and wait for the job (exit 0 only when it completed)");
  cmd->add_option("--printer", a->printer, "CUPS queue name")->required();
  cmd->add_option("pdf", a->pdf, "The card (PDF)")->required();
  cmd->add_option("--timeout", a->timeout, "Seconds to wait for the job")->capture_default_str();
  cmd->add_option("--copies", a->copies, "Copies")->capture_default_str();
  return [a] {
    sdk::PrintOptions o;
    o.timeout_seconds = a->timeout;
    o.copies = a->copies;
    const auto r = sdk::print_pdf_file(a->printer, a->pdf, o);
    std::ostream& out = r.ok() ? std::cout : std::cerr;
    out << "print " << a->pdf << " on " << a->printer << ": " << sdk::to_string(r.outcome);
    if (r.job_id > 0) out << " (job " << r.job_id << ")";
    out << std::fixed << std::setprecision(1) << " in " << r.seconds << " s";
    if (!r.message.empty()) out << "; " << r.message;
    if (!r.state_reasons.empty() && r.state_reasons != "none") out << "; printer: " << r.state_reasons;
    out << "\n";
    return r.ok() ? 0 : 1;
  };
}

}  // namespace tunggal::cli
