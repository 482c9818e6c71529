// `tunggal card` and `tunggal print`: the print room's two steps through the
// SDK (tunggal/sdk/card.h, tunggal/sdk/printing.h).
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "tunggal/sdk.h"

namespace tunggal::cli {

Runner add_card(CLI::App& app) {
  struct Args {
    std::string record, photo, signature, out, png, issue_date;
    int dpi = 300;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("card", "Render the KTP-el front of a person record (tunggal gen) as PDF and PNG");
  cmd->add_option("record", a->record, "Person record (.tgr) with the demographic attributes")->required();
  cmd->add_option("--photo", a->photo, "The holder's photo (any image the face pipeline reads)")->required();
  cmd->add_option("--signature", a->signature, "A captured signature image (without one the box stays empty)");
  cmd->add_option("-o,--out", a->out, "The card as vector PDF (ID-1, 85.60 x 53.98 mm)")->required();
  cmd->add_option("--png", a->png, "Also the card as PNG");
  cmd->add_option("--dpi", a->dpi, "PNG resolution")->capture_default_str();
  cmd->add_option("--issue-date", a->issue_date, "Date of issue DD-MM-YYYY (default: today, UTC)");
  return [a] {
    const PersonRecord record = decode_person_record(read_file(a->record, kMaxTemplateBytes));
    const ColorImage photo = read_color_image(a->photo);
    std::optional<ColorImage> signature;
    if (!a->signature.empty()) signature = read_color_image(a->signature);
    sdk::CardRenderOptions o;
    o.png_dpi = a->dpi;
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
