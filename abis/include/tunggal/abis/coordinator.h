// Scale-out on the broker: a gallery larger than one machine is split across
// shard workers, each an ordinary tunggald on queues of its own
// (<prefix>-<k> in, <prefix>-<k>-out out) owning the people whose
// referenceId hashes to it. The coordinator takes MOSIP's queue: INSERT and
// DELETE go to the owning shard; IDENTIFY goes to every shard with the
// probe's document inline (fetched once) and each shard's targetFPIR set
// from its share of the whole gallery, so that the merged answer keeps the
// FPIR over the whole gallery; counts are summed. A shard that does not
// answer in time fails the request (failureReason 2), never a partial
// answer. Per-shard FIFO queues keep the order rule.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "tunggal/abis/broker.h"
#include "tunggal/abis/partner_key.h"
#include "tunggal/abis/service.h"

namespace tunggal::abis {

struct CoordinatorConfig {
  std::filesystem::path dir;  // docs.db: the inserted documents (sealed), for IDENTIFY by referenceId
  BrokerConfig broker;        // MOSIP's queues and the login
  int shards = 3;
  std::string shard_prefix = "abis-shard";
  std::chrono::milliseconds shard_timeout{60000};
  Fetcher fetch;  // default: curl_fetcher()
  std::vector<std::string> data_share_hosts;  // as ServiceConfig's: empty, any host
  std::shared_ptr<const PartnerKey> partner_key;
};

// The shard that owns a referenceId (FNV-1a of its bytes, mod shards).
int shard_of(std::string_view reference_id, int shards) noexcept;

class Coordinator {
 public:
  explicit Coordinator(CoordinatorConfig config);
  ~Coordinator();
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;
  // Serves MOSIP's queue until `stop` (reconnecting with backoff).
  void run(const std::atomic<bool>& stop);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunggal::abis
