// MOSIP 1.2's data share encrypts the CBEFF document for the ABIS partner:
// base64url( "VER_R2" | SHA-256 thumbprint of the partner certificate (32) |
// RSA-OAEP-SHA256 (MGF1 SHA-256) wrapped AES-256 key | "#KEY_SPLITTER#" |
// AAD (32, the first 12 are the GCM nonce) | AES-256-GCM ciphertext + tag
// (16) ), per keymanager's CryptomanagerServiceImpl. The partner's private
// key decrypts it (OpenSSL).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace tunggal::abis {

class PartnerKey {
 public:
  // A PEM private key (RSA), from an owner-only file (Error otherwise).
  static PartnerKey load(const std::filesystem::path& pem);
  // A fresh RSA-2048 key (tests, and a partner's set-up).
  static PartnerKey generate();
  PartnerKey(PartnerKey&&) noexcept;
  PartnerKey& operator=(PartnerKey&&) noexcept;
  ~PartnerKey();

  // The layout above (the thumbprint is not checked: it names the
  // certificate, and this is the key there is). Error(malformed_data) naming
  // the part that is wrong; Error(checksum_mismatch) when the key or the GCM
  // tag does not fit.
  std::vector<std::uint8_t> decrypt(std::span<const std::uint8_t> body) const;
  // MOSIP's side, for tests and simulators: the same layout, for this key.
  std::vector<std::uint8_t> encrypt(std::span<const std::uint8_t> plain) const;
  void write_private_pem(const std::filesystem::path& file) const;  // 0600

  struct Impl;

 private:
  explicit PartnerKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunggal::abis
