// The SDK's remote mode: the gallery calls of sdk::Session sent to tunggald
// over its HTTP/JSON interface (POST /abis, MOSIP's ABIS request shapes with
// tunggal's extensions: the templates inline as "tunggalRecord", the whole
// decision back as "tunggalDecision"). Internal to the SDK.
#pragma once

#include <memory>
#include <string>

#include "tunggal/gallery.h"
#include "tunggal/person_record.h"
#include "tunggal/sdk/session.h"

namespace tunggal::sdk::detail {

class RemoteGallery {
 public:
  // Reads the token file (owner-only) and checks the address; connects on
  // the first call.
  explicit RemoteGallery(const SessionConfig& config);
  ~RemoteGallery();

  void insert(const PersonRecord& record);
  void update(const PersonRecord& record);
  DedupDecision deduplicate(const PersonRecord& record, const IdentifyOptions& options);
  DedupDecision identify(const PersonRecord& probe, const IdentifyOptions& options) const;
  bool remove(const std::string& id);
  std::size_t count() const;
  bool contains(const std::string& id) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunggal::sdk::detail
