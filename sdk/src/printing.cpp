// Printing with libcups: the queue's state by IPP Get-Printer-Attributes,
// the document by Create-Job + Send-Document (cupsStartDocument), the job
// followed by Get-Job-Attributes until it ends. CUPS_HTTP_DEFAULT is one
// connection per thread in CUPS 2, so concurrent prints do not share one.
#include "tunggal/sdk/printing.h"

#include <cups/cups.h>

#include <chrono>
#include <memory>
#include <thread>

#include "tunggal/error.h"
#include "tunggal/files.h"

namespace tunggal::sdk {
namespace {

struct IppDel {
  void operator()(ipp_t* p) const { ippDelete(p); }
};
using Ipp = std::unique_ptr<ipp_t, IppDel>;

std::string printer_uri(const std::string& name) {
  char uri[HTTP_MAX_URI];
  httpAssembleURIf(HTTP_URI_CODING_ALL, uri, sizeof uri, "ipp", nullptr, "localhost", 0, "/printers/%s", name.c_str());
  return uri;
}

bool cups_unreachable() {
  const ipp_status_t s = cupsLastError();
  return s == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE || s == IPP_STATUS_ERROR_INTERNAL;
}

std::string keywords(ipp_attribute_t* a) {
  std::string out;
  for (int i = 0; a != nullptr && i < ippGetCount(a); ++i) {
    if (i) out += ",";
    const char* v = ippGetString(a, i, nullptr);
    out += v ? v : "";
  }
  return out;
}

bool has_reason(const std::string& reasons, const char* prefix) {
  for (std::size_t at = 0; at < reasons.size();) {
    const std::size_t end = std::min(reasons.find(',', at), reasons.size());
    if (reasons.compare(at, std::string_view(prefix).size(), prefix) == 0) return true;
    at = end + 1;
  }
  return false;
}

// The queue's state and what it means for a job sent now.
PrintResult query_printer(const std::string& name) {
  PrintResult r;
  r.printer = name;
  ipp_t* req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
  const std::string uri = printer_uri(name);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, uri.c_str());
  static const char* const wanted[] = {"printer-state", "printer-state-reasons", "printer-is-accepting-jobs",
                                       "printer-state-message"};
  ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 4, nullptr, wanted);
  Ipp resp(cupsDoRequest(CUPS_HTTP_DEFAULT, req, "/"));
  if (resp == nullptr || cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
    r.message = cupsLastErrorString() ? cupsLastErrorString() : "no answer";
    r.outcome = cups_unreachable() || resp == nullptr ? PrintOutcome::cups_unavailable : PrintOutcome::printer_missing;
    if (cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND) r.outcome = PrintOutcome::printer_missing;
    return r;
  }
  const int state = ippGetInteger(ippFindAttribute(resp.get(), "printer-state", IPP_TAG_ENUM), 0);
  ipp_attribute_t* accepting = ippFindAttribute(resp.get(), "printer-is-accepting-jobs", IPP_TAG_BOOLEAN);
  r.state_reasons = keywords(ippFindAttribute(resp.get(), "printer-state-reasons", IPP_TAG_KEYWORD));
  if (ipp_attribute_t* m = ippFindAttribute(resp.get(), "printer-state-message", IPP_TAG_TEXT))
    r.message = ippGetString(m, 0, nullptr) ? ippGetString(m, 0, nullptr) : "";
  if (has_reason(r.state_reasons, "media-empty") || has_reason(r.state_reasons, "media-needed")) {
    r.outcome = PrintOutcome::out_of_media;
  } else if (has_reason(r.state_reasons, "offline") || has_reason(r.state_reasons, "connecting-to-device") ||
             has_reason(r.state_reasons, "shutdown")) {
    r.outcome = PrintOutcome::printer_offline;
  } else if (state == IPP_PSTATE_STOPPED || (accepting != nullptr && !ippGetBoolean(accepting, 0))) {
    r.outcome = PrintOutcome::printer_stopped;
  } else {
    r.outcome = PrintOutcome::completed;  // fit to print
  }
  return r;
}

// Follows job `id` until it ends or `deadline` passes.
void follow_job(PrintResult& r, std::chrono::steady_clock::time_point deadline) {
  char uri[HTTP_MAX_URI];
  httpAssembleURIf(HTTP_URI_CODING_ALL, uri, sizeof uri, "ipp", nullptr, "localhost", 0, "/jobs/%d", r.job_id);
  for (;;) {
    ipp_t* req = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "job-uri", nullptr, uri);
    static const char* const wanted[] = {"job-state", "job-state-reasons", "job-printer-state-message"};
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 3, nullptr, wanted);
    Ipp resp(cupsDoRequest(CUPS_HTTP_DEFAULT, req, "/"));
    if (resp == nullptr || cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
      r.outcome = cups_unreachable() ? PrintOutcome::cups_unavailable : PrintOutcome::job_failed;
      r.message = std::string("cannot follow the job: ") + (cupsLastErrorString() ? cupsLastErrorString() : "");
      return;
    }
    const int state = ippGetInteger(ippFindAttribute(resp.get(), "job-state", IPP_TAG_ENUM), 0);
    const std::string reasons = keywords(ippFindAttribute(resp.get(), "job-state-reasons", IPP_TAG_KEYWORD));
    if (state == IPP_JSTATE_COMPLETED) {
      r.outcome = PrintOutcome::completed;
      r.message = "completed";
      return;
    }
    if (state == IPP_JSTATE_CANCELED) {
      r.outcome = PrintOutcome::job_cancelled;
      r.message = "cancelled (" + reasons + ")";
      return;
    }
    if (state == IPP_JSTATE_ABORTED) {
      r.outcome = PrintOutcome::job_failed;
      r.message = "aborted (" + reasons + ")";
      return;
    }
    // A job waiting on a printer that stopped under it (out of blanks,
    // offline, paused) will not move by itself: say why at once.
    // While printing, a device that reports itself offline or empty is
    // the answer too (the backend waits for it).
    if (state == IPP_JSTATE_PENDING || state == IPP_JSTATE_STOPPED || state == IPP_JSTATE_HELD ||
        state == IPP_JSTATE_PROCESSING) {
      const PrintResult p = query_printer(r.printer);
      const bool device_fault = p.outcome == PrintOutcome::printer_offline || p.outcome == PrintOutcome::out_of_media;
      if (p.outcome != PrintOutcome::completed && (state != IPP_JSTATE_PROCESSING || device_fault)) {
        r.outcome = p.outcome;
        r.state_reasons = p.state_reasons;
        r.message = "job " + std::to_string(r.job_id) + " is waiting (" + reasons + ")" +
                    (p.message.empty() ? "" : ": " + p.message) + "; it stays queued until the printer is fixed";
        return;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      // Held or stopped jobs wait for the printer: say which.
      const PrintResult p = query_printer(r.printer);
      r.state_reasons = p.state_reasons;
      r.outcome = p.outcome != PrintOutcome::completed ? p.outcome : PrintOutcome::timeout;
      r.message = "job " + std::to_string(r.job_id) + " not finished in time (state " + std::to_string(state) + ", " +
                  reasons + "); it is still queued";
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

std::string_view to_string(PrintOutcome o) noexcept {
  switch (o) {
    case PrintOutcome::completed: return "completed";
    case PrintOutcome::printer_missing: return "printer missing";
    case PrintOutcome::printer_stopped: return "printer stopped";
    case PrintOutcome::printer_offline: return "printer offline";
    case PrintOutcome::out_of_media: return "out of card blanks";
    case PrintOutcome::job_cancelled: return "job cancelled";
    case PrintOutcome::job_failed: return "job failed";
    case PrintOutcome::timeout: return "timed out";
    case PrintOutcome::cups_unavailable: return "CUPS unavailable";
  }
  return "unknown";
}

std::vector<PrinterInfo> list_printers() {
  cups_dest_t* dests = nullptr;
  const int n = cupsGetDests2(CUPS_HTTP_DEFAULT, &dests);
  std::vector<PrinterInfo> out;
  for (int i = 0; i < n; ++i) {
    if (dests[i].instance != nullptr) continue;
    PrinterInfo p;
    p.name = dests[i].name;
    p.is_default = dests[i].is_default != 0;
    const PrintResult s = query_printer(p.name);
    p.state_reasons = s.state_reasons;
    p.accepting = s.outcome == PrintOutcome::completed;
    const char* st = cupsGetOption("printer-state", dests[i].num_options, dests[i].options);
    p.state = st ? std::atoi(st) : 0;
    out.push_back(std::move(p));
  }
  cupsFreeDests(n, dests);
  return out;
}

PrintResult printer_status(const std::string& printer) {
  if (printer.empty()) throw Error(ErrorCode::invalid_argument, "print: no printer named");
  return query_printer(printer);
}

PrintResult print_pdf(const std::string& printer, std::span<const std::uint8_t> pdf, const PrintOptions& o) {
  if (printer.empty()) throw Error(ErrorCode::invalid_argument, "print: no printer named");
  if (pdf.size() < 5 || std::string_view(reinterpret_cast<const char*>(pdf.data()), 5) != "%PDF-")
    throw Error(ErrorCode::invalid_argument, "print: the document is not a PDF");
  if (o.copies < 1 || o.copies > 10) throw Error(ErrorCode::invalid_argument, "print: copies must lie in 1..10");
  if (!(o.timeout_seconds > 0 && o.timeout_seconds <= 86400))
    throw Error(ErrorCode::invalid_argument, "print: the timeout must lie in (0, 86400] seconds");
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + std::chrono::milliseconds(static_cast<long long>(o.timeout_seconds * 1000));
  PrintResult r = query_printer(printer);
  const auto finish = [&] {
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  };
  if (r.outcome != PrintOutcome::completed) return finish();
  cups_option_t* options = nullptr;
  int n = 0;
  n = cupsAddOption("copies", std::to_string(o.copies).c_str(), n, &options);
  if (!o.media.empty()) {
    n = cupsAddOption("media", o.media.c_str(), n, &options);
    n = cupsAddOption("PageSize", o.media.c_str(), n, &options);
  }
  r.job_id = cupsCreateJob(CUPS_HTTP_DEFAULT, printer.c_str(), o.title.c_str(), n, options);
  if (r.job_id <= 0) {
    cupsFreeOptions(n, options);
    r.outcome = cups_unreachable() ? PrintOutcome::cups_unavailable : PrintOutcome::job_failed;
    r.message = std::string("cannot create the job: ") + (cupsLastErrorString() ? cupsLastErrorString() : "");
    return finish();
  }
  bool sent = cupsStartDocument(CUPS_HTTP_DEFAULT, printer.c_str(), r.job_id, o.title.c_str(), CUPS_FORMAT_PDF, 1) ==
              HTTP_STATUS_CONTINUE;
  for (std::size_t at = 0; sent && at < pdf.size(); at += 65536) {
    const std::size_t len = std::min<std::size_t>(65536, pdf.size() - at);
    sent = cupsWriteRequestData(CUPS_HTTP_DEFAULT, reinterpret_cast<const char*>(pdf.data() + at), len) ==
           HTTP_STATUS_CONTINUE;
  }
  const ipp_status_t done = cupsFinishDocument(CUPS_HTTP_DEFAULT, printer.c_str());
  cupsFreeOptions(n, options);
  if (!sent || done > IPP_STATUS_OK_CONFLICTING) {
    r.outcome = PrintOutcome::job_failed;
    r.message = std::string("cannot send the document: ") + (cupsLastErrorString() ? cupsLastErrorString() : "");
    // The job exists without its document: cancel it, so it does not wait.
    cupsCancelJob2(CUPS_HTTP_DEFAULT, printer.c_str(), r.job_id, 0);
    r.job_id = 0;
    return finish();
  }
  follow_job(r, deadline);
  return finish();
}

PrintResult print_pdf_file(const std::string& printer, const std::filesystem::path& pdf, const PrintOptions& o) {
  return print_pdf(printer, read_file(pdf, std::size_t{64} << 20), o);
}

}  // namespace tunggal::sdk
