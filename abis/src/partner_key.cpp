#include "tunggal/abis/partner_key.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "tunggal/abis/cbeff.h"
#include "tunggal/error.h"
#include "tunggal/files.h"

namespace tunggal::abis {
namespace {

constexpr std::string_view kVersion = "VER_R2";
constexpr std::string_view kSplitter = "#KEY_SPLITTER#";
constexpr std::size_t kThumbprint = 32, kAad = 32, kNonce = 12, kTag = 16;

[[noreturn]] void bad(const std::string& what) { throw Error(ErrorCode::malformed_data, "encrypted document: " + what); }

struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

}  // namespace

struct PartnerKey::Impl {
  EVP_PKEY* key = nullptr;
  ~Impl() { EVP_PKEY_free(key); }
};

PartnerKey::PartnerKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PartnerKey::PartnerKey(PartnerKey&&) noexcept = default;
PartnerKey& PartnerKey::operator=(PartnerKey&&) noexcept = default;
PartnerKey::~PartnerKey() = default;

PartnerKey PartnerKey::load(const std::filesystem::path& pem) {
  struct stat st {};
  if (::stat(pem.c_str(), &st) != 0) throw Error(ErrorCode::not_found, pem.string() + ": no private key file");
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    throw Error(ErrorCode::invalid_argument, pem.string() + ": the private key file must be owner-only (chmod 600)");
  const auto bytes = read_file(pem, 1 << 20);
  BIO* bio = BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()));
  auto impl = std::make_unique<Impl>();
  impl->key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!impl->key) throw Error(ErrorCode::malformed_data, pem.string() + ": not a PEM private key");
  if (EVP_PKEY_get_base_id(impl->key) != EVP_PKEY_RSA)
    throw Error(ErrorCode::unsupported, pem.string() + ": MOSIP wraps the data key with RSA; this key is not RSA");
  return PartnerKey(std::move(impl));
}

PartnerKey PartnerKey::generate() {
  auto impl = std::make_unique<Impl>();
  impl->key = EVP_RSA_gen(2048);
  if (!impl->key) throw Error(ErrorCode::internal, "RSA key generation failed");
  return PartnerKey(std::move(impl));
}

void PartnerKey::write_private_pem(const std::filesystem::path& file) const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, impl_->key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::vector<std::uint8_t> pem(data, data + n);
  BIO_free(bio);
  write_file_durably(file, pem);
}

std::vector<std::uint8_t> PartnerKey::decrypt(std::span<const std::uint8_t> body) const {
  std::vector<std::uint8_t> raw;
  try {
    raw = decode_base64(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
  } catch (const Error& e) {
    bad(std::string("not base64 (") + e.what() + ")");
  }
  const auto split = std::search(raw.begin(), raw.end(), kSplitter.begin(), kSplitter.end());
  if (split == raw.end()) bad("no #KEY_SPLITTER#");
  const std::span<const std::uint8_t> key_block(raw.data(), static_cast<std::size_t>(split - raw.begin()));
  const std::span<const std::uint8_t> data_block(raw.data() + key_block.size() + kSplitter.size(),
                                                 raw.size() - key_block.size() - kSplitter.size());
  if (key_block.size() < kVersion.size() || std::memcmp(key_block.data(), kVersion.data(), kVersion.size()) != 0)
    throw Error(ErrorCode::unsupported, "encrypted document: not the VER_R2 layout (MOSIP 1.2); older layouts are not read");
  const std::size_t rsa_bytes = static_cast<std::size_t>(EVP_PKEY_get_size(impl_->key));
  if (key_block.size() != kVersion.size() + kThumbprint + rsa_bytes)
    bad("the key block is " + std::to_string(key_block.size()) + " bytes, not version + thumbprint + " +
        std::to_string(rsa_bytes) + " (this key's size)");
  if (data_block.size() < kAad + kTag) bad("the data block is too short");
  // The AES key, unwrapped.
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> pctx(EVP_PKEY_CTX_new(impl_->key, nullptr));
  std::vector<std::uint8_t> aes(rsa_bytes);
  std::size_t aes_len = aes.size();
  const auto* wrapped = key_block.data() + kVersion.size() + kThumbprint;
  if (!pctx || EVP_PKEY_decrypt_init(pctx.get()) <= 0 || EVP_PKEY_CTX_set_rsa_padding(pctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(pctx.get(), EVP_sha256()) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx.get(), EVP_sha256()) <= 0 ||
      EVP_PKEY_decrypt(pctx.get(), aes.data(), &aes_len, wrapped, rsa_bytes) <= 0)
    throw Error(ErrorCode::checksum_mismatch, "encrypted document: the data key does not unwrap with this partner key");
  if (aes_len != 32) throw Error(ErrorCode::unsupported, "encrypted document: a data key of " + std::to_string(aes_len) + " bytes (32 expected)");
  // The CBEFF, AES-256-GCM with the AAD and the nonce from it.
  const auto* aad = data_block.data();
  const auto* cipher = data_block.data() + kAad;
  const std::size_t cipher_len = data_block.size() - kAad - kTag;
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> c(EVP_CIPHER_CTX_new());
  std::vector<std::uint8_t> plain(cipher_len + 16);
  int len = 0, total = 0;
  const bool ok = c && EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
                  EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonce), nullptr) == 1 &&
                  EVP_DecryptInit_ex(c.get(), nullptr, nullptr, aes.data(), aad) == 1 &&
                  EVP_DecryptUpdate(c.get(), nullptr, &len, aad, static_cast<int>(kAad)) == 1 &&
                  EVP_DecryptUpdate(c.get(), plain.data(), &len, cipher, static_cast<int>(cipher_len)) == 1;
  total = len;
  OPENSSL_cleanse(aes.data(), aes.size());
  if (!ok) bad("AES-GCM could not start");
  EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTag), const_cast<std::uint8_t*>(cipher + cipher_len));
  if (EVP_DecryptFinal_ex(c.get(), plain.data() + total, &len) != 1)
    throw Error(ErrorCode::checksum_mismatch, "encrypted document: the GCM tag does not verify (changed, or another key)");
  plain.resize(static_cast<std::size_t>(total + len));
  return plain;
}

std::vector<std::uint8_t> PartnerKey::encrypt(std::span<const std::uint8_t> plain) const {
  std::uint8_t aes[32], aad[kAad];
  RAND_bytes(aes, sizeof aes);
  RAND_bytes(aad, sizeof aad);
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> pctx(EVP_PKEY_CTX_new(impl_->key, nullptr));
  std::size_t wrapped_len = 0;
  EVP_PKEY_encrypt_init(pctx.get());
  EVP_PKEY_CTX_set_rsa_padding(pctx.get(), RSA_PKCS1_OAEP_PADDING);
  EVP_PKEY_CTX_set_rsa_oaep_md(pctx.get(), EVP_sha256());
  EVP_PKEY_CTX_set_rsa_mgf1_md(pctx.get(), EVP_sha256());
  EVP_PKEY_encrypt(pctx.get(), nullptr, &wrapped_len, aes, sizeof aes);
  std::vector<std::uint8_t> wrapped(wrapped_len);
  if (EVP_PKEY_encrypt(pctx.get(), wrapped.data(), &wrapped_len, aes, sizeof aes) <= 0)
    throw Error(ErrorCode::internal, "RSA-OAEP wrapping failed");
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> c(EVP_CIPHER_CTX_new());
  std::vector<std::uint8_t> cipher(plain.size() + kTag);
  int len = 0, total = 0;
  EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
  EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonce), nullptr);
  EVP_EncryptInit_ex(c.get(), nullptr, nullptr, aes, aad);
  EVP_EncryptUpdate(c.get(), nullptr, &len, aad, static_cast<int>(kAad));
  EVP_EncryptUpdate(c.get(), cipher.data(), &len, plain.data(), static_cast<int>(plain.size()));
  total = len;
  EVP_EncryptFinal_ex(c.get(), cipher.data() + total, &len);
  total += len;
  EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTag), cipher.data() + total);
  cipher.resize(static_cast<std::size_t>(total) + kTag);
  OPENSSL_cleanse(aes, sizeof aes);
  std::vector<std::uint8_t> raw(kVersion.begin(), kVersion.end());
  raw.resize(raw.size() + kThumbprint, 0);  // names the certificate; no certificate here
  raw.insert(raw.end(), wrapped.begin(), wrapped.end());
  raw.insert(raw.end(), kSplitter.begin(), kSplitter.end());
  raw.insert(raw.end(), aad, aad + kAad);
  raw.insert(raw.end(), cipher.begin(), cipher.end());
  // base64url, as the data share sends it
  std::string text = encode_base64(raw);
  for (char& ch : text) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
  while (!text.empty() && text.back() == '=') text.pop_back();
  return {text.begin(), text.end()};
}

}  // namespace tunggal::abis
