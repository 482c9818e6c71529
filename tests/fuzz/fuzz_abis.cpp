// libFuzzer target for the ABIS edge: the first byte picks the parser
// ('j': a MOSIP request's JSON, 's': STOMP frames as the broker's socket
// delivers them, else a CBEFF document and the ISO 19794-4/-5 records in
// its samples).
// Contract: a request parses or is rejected with a failureReason, never an
// exception; whatever parses answers with JSON whose every scalar is a
// string, and every referenceId in it keeps the engine's rule (1-64
// printable ASCII, no space); its referenceURL's host is read without
// harm. STOMP frames that parse encode and parse back to themselves.
// CBEFF, the records and STOMP raise tunggal::Error only.
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "tunggal/abis/broker.h"
#include "tunggal/abis/cbeff.h"
#include "tunggal/abis/protocol.h"
#include "tunggal/abis/service.h"
#include "tunggal/error.h"
#include "tunggal/person_record.h"

using namespace tunggal;
using namespace tunggal::abis;

namespace {

void all_strings(const nlohmann::json& j) {
  if (j.is_object() || j.is_array()) {
    for (const auto& v : j) all_strings(v);
  } else if (!j.is_string()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> body(data + 1, size - 1);
  if (data[0] == 'j') {
    const auto r = parse_request(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
    Response out;
    if (const auto* q = std::get_if<Request>(&r)) {
      const auto valid = [](const std::string& id) {
        if (!id.empty() && !is_valid_record_id(id)) std::abort();
      };
      if (const auto* b = std::get_if<InsertRequest>(&q->body)) {
        valid(b->reference_id);
        (void)data_share_host_allowed(b->reference_url, {"share.local"});
      }
      if (const auto* b = std::get_if<IdentifyRequest>(&q->body)) {
        valid(b->reference_id);
        if (b->gallery)
          for (const auto& id : *b->gallery) valid(id);
        (void)data_share_host_allowed(b->reference_url, {"share.local"});
      }
      if (const auto* b = std::get_if<DeleteRequest>(&q->body)) valid(b->reference_id);
      if (const auto* b = std::get_if<ReferenceCountRequest>(&q->body)) valid(b->reference_id);
      out = success(*q);
      if (q->op == Operation::identify) out.candidates = std::vector<ResponseCandidate>{{q->request_id, 1.5, {{"FIR", 2}}}};
    } else {
      out = failure(std::get<Rejection>(r));
    }
    all_strings(nlohmann::json::parse(encode_response(out)));
    return 0;
  }
  if (data[0] == 's') {
    std::string wire(reinterpret_cast<const char*>(body.data()), body.size());
    try {
      while (auto f = take_stomp_frame(wire)) {
        std::string again = encode_stomp(*f);
        const auto back = take_stomp_frame(again);
        // CONNECT frames are not escaped: a header with ':' or a newline
        // cannot make the round trip there.
        if (f->command != "CONNECT" && f->command != "CONNECTED" &&
            (!back || back->command != f->command || back->headers != f->headers || back->body != f->body || !again.empty()))
          std::abort();
      }
    } catch (const Error&) {
    }
    return 0;
  }
  try {
    const auto doc = parse_cbeff(body);
    for (const auto& s : doc.samples) {
      try {
        if (s.format_type == 7) (void)parse_finger_image_record(s.bdb);
        if (s.format_type == 8) (void)parse_face_image_record(s.bdb);
      } catch (const Error&) {
      }
    }
  } catch (const Error&) {
  }
  return 0;
}
