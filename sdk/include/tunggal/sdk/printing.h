// Card printing through CUPS (libcups): print to a named queue, follow the
// job to its end, and say what happened as a typed outcome the print room
// can act on. The queue's state is read before a job is sent, so that a
// stopped, offline or empty printer is reported at once instead of holding
// a job that will not print.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tunggal::sdk {

enum class PrintOutcome {
  completed,        // the printer (its backend) took the whole job
  printer_missing,  // no such queue
  printer_stopped,  // the queue is stopped or not accepting jobs
  printer_offline,  // the device does not answer
  out_of_media,     // no card blanks (media-empty / media-needed)
  job_cancelled,    // someone cancelled the job
  job_failed,       // the job was aborted (a filter or the backend failed)
  timeout,          // not finished in time; the job is left queued (job_id)
  cups_unavailable, // no CUPS server to talk to
};
std::string_view to_string(PrintOutcome o) noexcept;

struct PrintOptions {
  std::string title = "KTP-el";
  double timeout_seconds = 120;
  int copies = 1;
  // The card's size, so that the queue does not place it on its default
  // sheet (A4): CUPS's custom size for ID-1, sent as both `media` and
  // `PageSize`. A card printer's driver may name it (e.g. "CR80"); set that
  // here, or "" to leave the queue's default.
  std::string media = "Custom.85.6x53.98mm";
};

struct PrintResult {
  PrintOutcome outcome = PrintOutcome::job_failed;
  int job_id = 0;
  std::string printer;
  std::string message;        // what CUPS said, for the operator
  std::string state_reasons;  // printer-state-reasons (comma separated)
  double seconds = 0;
  bool ok() const { return outcome == PrintOutcome::completed; }
};

struct PrinterInfo {
  std::string name;
  int state = 0;  // IPP printer-state: 3 idle, 4 processing, 5 stopped
  bool accepting = false;
  std::string state_reasons;
  bool is_default = false;
};

// The queues CUPS knows (empty when CUPS does not answer).
std::vector<PrinterInfo> list_printers();
// One queue's state; outcome printer_missing / cups_unavailable when it
// cannot be read, else completed (fit to print) or the state that stops it.
PrintResult printer_status(const std::string& printer);

// Sends a PDF to `printer` and waits for the job to end (or the timeout).
// Never throws for printer or job states: they are the outcome. Throws
// Error(invalid_argument) for an empty printer name or document, and
// Error(not_found / io) for a file that cannot be read.
PrintResult print_pdf(const std::string& printer, std::span<const std::uint8_t> pdf, const PrintOptions& options = {});
PrintResult print_pdf_file(const std::string& printer, const std::filesystem::path& pdf,
                           const PrintOptions& options = {});

}  // namespace tunggal::sdk
