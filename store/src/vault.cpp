#include "tunggal/store/vault.h"

#include <sodium.h>

#include <mutex>

#include "tunggal/error.h"
#include "tunggal/files.h"

namespace tunggal::store {
namespace {

void init_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw Error(ErrorCode::internal, "libsodium failed to initialise");
  });
}

std::string hex(const std::uint8_t* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::span<const std::uint8_t> data) {
  init_sodium();
  std::uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, data.data(), data.size());
  return hex(h, sizeof h);
}

std::string sha256_hex(const std::string& text) {
  return sha256_hex({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

std::string hash_password(const std::string& password) {
  init_sodium();
  if (password.size() < 8) throw Error(ErrorCode::invalid_argument, "a password needs at least 8 characters");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.c_str(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw Error(ErrorCode::limit_exceeded, "password hashing ran out of memory");
  return out;
}

bool check_password(const std::string& hash, const std::string& password) {
  init_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.c_str(), password.size()) == 0;
}

Vault::Vault(const std::filesystem::path& dir) : Vault(dir, dir / "secret.key") {}

Vault::Vault(const std::filesystem::path& dir, const std::filesystem::path& key_file) : dir_(dir) {
  init_sodium();
  if (std::filesystem::exists(key_file)) {
    using std::filesystem::perms;
    const auto p = std::filesystem::status(key_file).permissions();
    if ((p & (perms::group_all | perms::others_all)) != perms::none)
      throw Error(ErrorCode::invalid_argument, key_file.string() + ": the key may be read by others (chmod 600)");
    const auto k = read_file(key_file, 64);
    if (k.size() != key_.size())
      throw Error(ErrorCode::malformed_data, key_file.string() + ": not a store key (" + std::to_string(k.size()) + " bytes)");
    std::copy(k.begin(), k.end(), key_.begin());
  } else {
    crypto_secretbox_keygen(key_.data());
    write_file_durably(key_file, key_);
  }
}

namespace {
std::vector<std::uint8_t> seal_with(const std::array<std::uint8_t, 32>& key, std::span<const std::uint8_t> plain) {
  std::vector<std::uint8_t> out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size());
  randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES, plain.data(), plain.size(), out.data(), key.data());
  return out;
}
}  // namespace

// A content address that says nothing to whoever lacks the key: "m" and a
// BLAKE2b of the content under a key derived from the store's (an unkeyed
// SHA-256 would let anyone holding a candidate document confirm it is
// here). Files named by a plain SHA-256 (stores before 2026-12-08) still read.
std::string Vault::content_name(std::span<const std::uint8_t> plain) const {
  std::array<std::uint8_t, 32> sub{};
  crypto_kdf_derive_from_key(sub.data(), sub.size(), 2, "tgdocnm1", key_.data());
  std::array<std::uint8_t, 32> mac{};
  crypto_generichash(mac.data(), mac.size(), plain.data(), plain.size(), sub.data(), sub.size());
  sodium_memzero(sub.data(), sub.size());
  return "m" + hex(mac.data(), mac.size());
}

std::string Vault::put(const std::string& sub, std::span<const std::uint8_t> plain) {
  const std::string name = content_name(plain);
  if (!has(sub, name)) put_named(sub, name, plain);
  return name;
}

void Vault::put_named(const std::string& sub, const std::string& name, std::span<const std::uint8_t> plain) {
  if (!std::filesystem::exists(dir_ / sub)) {
    std::filesystem::create_directories(dir_ / sub);
    std::filesystem::permissions(dir_ / sub, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  }
  write_file_durably(dir_ / sub / name, seal_with(key_, plain));
}

bool Vault::has(const std::string& sub, const std::string& name) const {
  return std::filesystem::exists(dir_ / sub / name);
}

std::vector<std::uint8_t> Vault::seal(std::span<const std::uint8_t> plain) const {
  return seal_with(key_, plain);
}

std::vector<std::uint8_t> Vault::open(std::span<const std::uint8_t> box, const std::string& what) const {
  if (box.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    throw Error(ErrorCode::checksum_mismatch, what + ": too short to be sealed");
  std::vector<std::uint8_t> plain(box.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES);
  if (crypto_secretbox_open_easy(plain.data(), box.data() + crypto_secretbox_NONCEBYTES,
                                 box.size() - crypto_secretbox_NONCEBYTES, box.data(), key_.data()) != 0)
    throw Error(ErrorCode::checksum_mismatch, what + ": fails its authentication (changed or damaged on disk)");
  return plain;
}

std::vector<std::uint8_t> Vault::get(const std::string& sub, const std::string& name, bool content_addressed) const {
  const auto path = dir_ / sub / name;
  const auto plain = open(read_file(path), path.string());
  if (content_addressed && (name.size() == 65 ? content_name(plain) : sha256_hex(plain)) != name)
    throw Error(ErrorCode::checksum_mismatch, path.string() + ": its content does not match its name");
  return plain;
}

std::string Vault::mac_hex(const std::string& text) const {
  static_assert(crypto_kdf_KEYBYTES == 32);
  std::array<std::uint8_t, 32> sub{};
  crypto_kdf_derive_from_key(sub.data(), sub.size(), 1, "tgaudit1", key_.data());
  std::array<std::uint8_t, 32> mac{};
  crypto_generichash(mac.data(), mac.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(), sub.data(),
                     sub.size());
  sodium_memzero(sub.data(), sub.size());
  return hex(mac.data(), mac.size());
}

}  // namespace tunggal::store
