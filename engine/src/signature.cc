// See zkmatch/signature.h. OpenSSL 3 EVP: EVP_PKEY_Q_keygen, EVP_DigestSign / EVP_DigestVerify
// (Ed25519 signs the message itself: no digest is named).
#include "zkmatch/signature.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "digest.h"
#include "file_read.h"
#include "json.h"

namespace zkmatch {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxKeyBytes = 64 * 1024;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Never prompts for a pass phrase (an encrypted key is refused, not asked about on a terminal).
int NoPassword(char*, int, int, void*) { return -1; }

std::string Hex(const unsigned char* d, std::size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[d[i] >> 4];
    out += kDigits[d[i] & 15];
  }
  return out;
}

bool FromHex(const std::string& hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
  out->clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

// The key in `path`, private or public as `want_private` says, checked to be Ed25519; every
// problem reported to `sink` at the file with what to do.
Result<Pkey> LoadKey(const std::string& path, bool want_private, DiagnosticSink& sink) {
  const char* option = want_private ? "--key" : "--pubkey";
  const char* file = want_private ? "NAME.key" : "NAME.pub";
  auto bad = [&](const std::string& what) {
    sink.Error(path, 0, 0, what);
    return Status::BadInput("the key file " + path + " cannot be used");
  };
  std::string text;
  const FileReadResult read = ReadRegularFile(path, kMaxKeyBytes, &text);
  if (read.kind != FileReadResult::kOk) return bad(std::string("cannot read the key file; ") + option + " names " + file + " written by zkmatch keygen");
  const bool has_private = text.find("PRIVATE KEY-----") != std::string::npos, has_public = text.find("-----BEGIN PUBLIC KEY-----") != std::string::npos;
  if (want_private && !has_private && has_public) return bad("is a public key; --key takes the private key (NAME.key), which stays with the office");
  if (!want_private && has_private) return bad("is a private key; --pubkey takes the public key (NAME.pub) -- never hand out the private one");
  if (text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos) return bad("is an encrypted private key; zkmatch reads the unencrypted PEM that zkmatch keygen writes");
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  Pkey key(want_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr) : PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassword, nullptr));
  ERR_clear_error();
  if (!key) return bad(std::string("is not a PEM ") + (want_private ? "private" : "public") + " key; " + option + " names " + file + " written by zkmatch keygen");
  if (!EVP_PKEY_is_a(key.get(), "ED25519")) {
    const char* type = EVP_PKEY_get0_type_name(key.get());
    return bad(std::string("is ") + (type ? "an " + std::string(type) : std::string("another kind of")) + " key; zkmatch signs with Ed25519 keys (zkmatch keygen --out NAME)");
  }
  return key;
}

// SHA-256 of the public key's DER encoding (SubjectPublicKeyInfo); works on a private key too.
std::string Fingerprint(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return {};
  std::string fp = Sha256Hex(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n)));
  OPENSSL_free(der);
  return fp;
}

// Writes `text` to a new file `path` with `mode` (O_EXCL: never over another file).
Status WriteNew(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    const int err = errno;
    const char* advice = err == ENOENT ? " (its directory does not exist: create it first, or choose another --out)"
                         : err == EACCES || err == EPERM || err == EROFS ? " (choose a --out where you may write)"
                                                                          : "";
    return Status::IoError("cannot create " + path + ": " + std::strerror(err) + advice);
  }
  bool ok = ::fchmod(fd, mode) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

std::string Pem(EVP_PKEY* key, bool private_part) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  const int ok = private_part ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) : PEM_write_bio_PUBKEY(bio.get(), key);
  if (ok != 1) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

Status GenerateSigningKey(const std::string& prefix, bool force) {
  const std::string key_path = prefix + ".key", pub_path = prefix + ".pub";
  std::error_code ec;
  for (const std::string& p : {key_path, pub_path}) {
    if (fs::exists(fs::symlink_status(p, ec)) && !force) return Status::BadInput(p + " already exists; choose another --out or add --force to replace the key pair");
  }
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return Status::Internal("OpenSSL could not generate an Ed25519 key");
  const std::string private_pem = Pem(key.get(), true), public_pem = Pem(key.get(), false);
  if (private_pem.empty() || public_pem.empty()) return Status::Internal("OpenSSL could not write the key as PEM");
  fs::remove(key_path, ec);
  fs::remove(pub_path, ec);
  if (Status s = WriteNew(key_path, private_pem, 0600); !s.ok()) return s;
  if (Status s = WriteNew(pub_path, public_pem, 0644); !s.ok()) {
    fs::remove(key_path, ec);
    return s;
  }
  return Status::Ok();
}

Status CheckSigningKey(const std::string& key_path, DiagnosticSink& sink) {
  const Result<Pkey> key = LoadKey(key_path, true, sink);
  return key ? Status::Ok() : key.status();
}

Result<std::string> SignFile(const std::string& key_path, const std::string& signed_name, const std::string& bytes, DiagnosticSink& sink) {
  const Result<Pkey> key = LoadKey(key_path, true, sink);
  if (!key) return key.status();
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char sig[64];
  std::size_t n = sizeof sig;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &n, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) != 1) {
    ERR_clear_error();
    return Status::Internal("OpenSSL could not sign " + signed_name);
  }
  JsonWriter w;
  w.BeginObject().Key("format").String(kSignatureFormat).Key("algorithm").String("Ed25519").Key("signed").String(signed_name);
  w.Key("public_key_sha256").String(Fingerprint(key->get())).Key("signature").String(Hex(sig, n)).EndObject();
  return w.Take() + "\n";
}

Result<std::string> PublicKeyFingerprint(const std::string& pubkey_path, DiagnosticSink& sink) {
  const Result<Pkey> key = LoadKey(pubkey_path, false, sink);
  if (!key) return key.status();
  return Fingerprint(key->get());
}

Result<std::string> CheckSignature(const std::string& pubkey_path, const std::string& signed_name, const std::string& bytes,
                                   const std::optional<std::string>& signature, DiagnosticSink& sink) {
  const Result<Pkey> key = LoadKey(pubkey_path, false, sink);
  if (!key) return key.status();
  const std::string sig_file = signed_name == "manifest.json" ? kManifestSignatureFile : "the " + signed_name + "'s signature";
  if (!signature || signature->empty()) {
    return sig_file + " is missing: " + (signed_name == "manifest.json" ? "the run is not signed" : "it is not signed") + ", and --pubkey requires a signature";
  }
  JsonValue v;
  std::string error, raw;
  if (!ParseJson(*signature, &v, &error) || v["format"].text != kSignatureFormat || v["algorithm"].text != "Ed25519" || v["signed"].text != signed_name ||
      !FromHex(v["signature"].text, &raw) || raw.size() != 64) {
    return sig_file + " is not a " + kSignatureFormat + " Ed25519 signature of " + signed_name;
  }
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx(EVP_MD_CTX_new());
  const bool holds = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) == 1 &&
                     EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                                      reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) == 1;
  ERR_clear_error();
  if (holds) return std::string();
  const std::string want = Fingerprint(key->get()), named = v["public_key_sha256"].text;
  if (named != want) {
    return sig_file + " was made with another key (public key sha256 " + named.substr(0, 16) + "...), not with " + pubkey_path + " (" + want.substr(0, 16) + "...)";
  }
  return sig_file + " does not verify with " + pubkey_path + ": " + signed_name + " was changed after it was signed";
}

Status GeneratePseudonymSecret(const std::string& path, bool force) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(path, ec)) && !force) return Status::BadInput(path + " already exists; choose another name or add --force to replace the secret");
  unsigned char secret[32];
  if (RAND_bytes(secret, sizeof secret) != 1) {
    ERR_clear_error();
    return Status::Internal("OpenSSL could not generate random bytes for the secret");
  }
  fs::remove(path, ec);
  return WriteNew(path, Hex(secret, sizeof secret) + "\n", 0600);
}

Result<std::string> ReadPseudonymSecret(const std::string& path) {
  bool ok = false;
  std::string text = ReadWholeFile(path, &ok);
  if (!ok) return Status::BadInput("cannot read the pseudonym secret " + path + "; check the path given to --secret (zkmatch keygen --secret writes one)");
  if (!text.empty() && text.back() == '\n') text.pop_back();
  std::string bytes;
  auto nibble = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
  for (std::size_t i = 0; text.size() == 64 && i < 64; i += 2) {
    const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) break;
    bytes.push_back(static_cast<char>(hi * 16 + lo));
  }
  if (bytes.size() != 32) return Status::BadInput(path + " is not a pseudonym secret (64 lowercase hex digits, as zkmatch keygen --secret writes)");
  return bytes;
}

std::string Pseudonym(const std::string& secret, std::string_view id, std::size_t hex_digits) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(id.data()), id.size(), mac, &n);
  return Hex(mac, n).substr(0, hex_digits);
}

}  // namespace zkmatch
