// Internal to tunggal (the office's store, the ABIS daemon's references).
// Personal data at rest: documents, captures and photos are kept as files
// encrypted with libsodium's secretbox (XSalsa20-Poly1305) under the
// store's key (secret.key, owner-only), named by the SHA-256 of their
// content and checked on every read; passwords hashed with Argon2id.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace tunggal::store {

std::string sha256_hex(std::span<const std::uint8_t> data);
std::string sha256_hex(const std::string& text);

std::string hash_password(const std::string& password);
bool check_password(const std::string& hash, const std::string& password);

class Vault {
 public:
  // Reads the key in `dir`/secret.key, creating it (random, 0600) if absent.
  explicit Vault(const std::filesystem::path& dir);
  // The same with the key at `key_file` (created if absent); an existing
  // key others may read is refused (Error(invalid_argument)).
  Vault(const std::filesystem::path& dir, const std::filesystem::path& key_file);
  // Stores `plain` under sub/<keyed hash of it>, encrypted, in a folder
  // only the owner may open; returns the name.
  std::string put(const std::string& sub, std::span<const std::uint8_t> plain);
  // Stores under a fixed name (captures: by application id), replacing.
  void put_named(const std::string& sub, const std::string& name, std::span<const std::uint8_t> plain);
  // Decrypts and, for content-addressed files, checks the hash; throws
  // Error(checksum_mismatch) for a file changed or damaged on disk.
  std::vector<std::uint8_t> get(const std::string& sub, const std::string& name, bool content_addressed) const;
  bool has(const std::string& sub, const std::string& name) const;
  // Bytes sealed and opened in memory (for a database column): nonce, MAC,
  // ciphertext. open() throws Error(checksum_mismatch) when they fail.
  std::vector<std::uint8_t> seal(std::span<const std::uint8_t> plain) const;
  std::vector<std::uint8_t> open(std::span<const std::uint8_t> box, const std::string& what) const;
  // A keyed hash (BLAKE2b under a key derived from the store's) in hex:
  // the audit chain's links.
  std::string mac_hex(const std::string& text) const;

 private:
  std::string content_name(std::span<const std::uint8_t> plain) const;
  std::filesystem::path dir_;
  std::array<std::uint8_t, 32> key_{};
};

}  // namespace tunggal::store
