// referenceURL through libcurl: http(s) only, no redirects, connect and
// total timeouts, and the size limit enforced as the bytes arrive (a URL
// that returns a gigabyte is cut at the limit, not read to the end).
// MOSIP's data share answers errors with HTTP 200 and a JSON body whose
// errors[].errorCode DAT-SER-006 means expired (or used up).
#include <curl/curl.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "tunggal/abis/service.h"

namespace tunggal::abis {
namespace {

struct Sink {
  std::vector<std::uint8_t> body;
  std::size_t max = 0;
  bool too_large = false;
};

std::size_t on_data(char* p, std::size_t size, std::size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  const std::size_t bytes = size * n;
  if (s->body.size() + bytes > s->max) {
    s->too_large = true;
    return 0;  // aborts the transfer
  }
  s->body.insert(s->body.end(), p, p + bytes);
  return bytes;
}

// The URL without its query (where data-share tokens sit), for messages.
std::string safe(const std::string& url) { return url.substr(0, url.find_first_of("?#")); }

}  // namespace

std::string url_host(const std::string& url) {
  std::unique_ptr<CURLU, void (*)(CURLU*)> u(curl_url(), curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return "";
  char* scheme = nullptr;
  char* host = nullptr;
  std::string out;
  if (curl_url_get(u.get(), CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK) {
    const std::string sc = scheme;
    if (sc == "http" || sc == "https") {
      out = host;
      if (out.size() > 1 && out.front() == '[' && out.back() == ']') out = out.substr(1, out.size() - 2);
      for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
  }
  curl_free(scheme);
  curl_free(host);
  return out;
}

bool data_share_host_allowed(const std::string& url, const std::vector<std::string>& hosts) {
  if (hosts.empty()) return true;
  const std::string host = url_host(url);
  if (host.empty()) return false;
  for (const auto& h : hosts) {
    std::string lower = h;
    for (auto& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (host == lower) return true;
  }
  return false;
}

Fetcher curl_fetcher(FetchLimits limits) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return [limits](const std::string& url) {
    FetchResult out;
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      out.failure = FailureReason::unable_to_fetch;
      out.message = "referenceURL is not http(s)";
      return out;
    }
    std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
    if (!h) {
      out.failure = FailureReason::unable_to_fetch;
      out.message = "libcurl could not start";
      return out;
    }
    Sink sink;
    sink.max = limits.max_bytes;
    curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h.get(), CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(limits.connect_timeout.count()));
    curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(limits.total_timeout.count()));
    curl_easy_setopt(h.get(), CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_bytes));
    curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &sink);
    const CURLcode rc = curl_easy_perform(h.get());
    long status = 0;
    curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &status);
    if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      out.failure = FailureReason::unable_to_fetch;
      out.message = safe(url) + ": larger than " + std::to_string(limits.max_bytes) + " bytes";
      return out;
    }
    if (rc != CURLE_OK) {
      out.failure = FailureReason::unable_to_fetch;
      out.message = safe(url) + ": " + curl_easy_strerror(rc);
      return out;
    }
    if (status != 200) {
      out.failure = FailureReason::unable_to_fetch;
      out.message = safe(url) + ": HTTP " + std::to_string(status);
      return out;
    }
    // A data-share error body instead of the document.
    if (!sink.body.empty() && sink.body.front() == '{') {
      const auto j = nlohmann::json::parse(sink.body.begin(), sink.body.end(), nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
        const auto& e = j["errors"][0];
        const auto ec = e.is_object() ? e.find("errorCode") : e.end();
        const std::string code = e.is_object() && ec != e.end() && ec->is_string() ? ec->get<std::string>() : "";
        out.failure = code == "DAT-SER-006" ? FailureReason::data_share_expired : FailureReason::unable_to_fetch;
        out.message = safe(url) + ": the data share answered " + (code.empty() ? "an error" : code);
        return out;
      }
    }
    out.body = std::move(sink.body);
    return out;
  };
}

}  // namespace tunggal::abis
