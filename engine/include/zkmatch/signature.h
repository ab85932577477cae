// Ed25519 signatures of what a bureau publishes (a run's manifest.json, a seal), through
// OpenSSL's EVP API: no cryptography of our own.
//
// Keys are PEM files: NAME.key holds the private key (PKCS#8, unencrypted, mode 0600; it stays
// on the machine that signs), NAME.pub the public key (SubjectPublicKeyInfo) an auditor is
// given. A signature is a detached file of one JSON line (engine/audit-format.md,
// "Signatures"): {"format":"zkmatch-signature/1","algorithm":"Ed25519","signed":FILE,
// "public_key_sha256":HEX,"signature":HEX} -- the signature is over FILE's exact bytes;
// public_key_sha256 (the SHA-256 of the public key's DER encoding) only names the key, so a
// failed check can say "another key" rather than "changed"; it is never trusted.
//
// A key file that cannot be used (missing, not PEM, a public key given as the private one or
// the other way round, not Ed25519) is bad input: reported to the sink at the key file, a
// kBadInput Status returned (exit 2). A signature that does not hold is a finding: the check
// returns its one-line reason.
//
// Thread-safety: reentrant. Cost: microseconds per signature plus reading the key file.
#ifndef ZKMATCH_SIGNATURE_H_
#define ZKMATCH_SIGNATURE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "zkmatch/diagnostics.h"
#include "zkmatch/status.h"

namespace zkmatch {

inline constexpr const char* kSignatureFormat = "zkmatch-signature/1";
inline constexpr const char* kManifestSignatureFile = "manifest.sig";

// Writes PREFIX.key (mode 0600, created so: never readable by others) and PREFIX.pub of a new
// Ed25519 key pair. Refuses (kBadInput, nothing written) when either file exists unless
// `force`; kIoError when the machine refused a step (nothing left behind).
Status GenerateSigningKey(const std::string& prefix, bool force);

// Checks that `key_path` holds an Ed25519 private key (before a long run, to refuse early).
Status CheckSigningKey(const std::string& key_path, DiagnosticSink& sink);

// The signature file (one JSON line and '\n') of `bytes`, the content of the file `signed_name`,
// made with the private key in `key_path`.
Result<std::string> SignFile(const std::string& key_path, const std::string& signed_name, const std::string& bytes, DiagnosticSink& sink);

// Checks `signature` (the signature file's text; nullopt when there is none) of `bytes`, the
// content of `signed_name`, against the public key in `pubkey_path`. Empty when it holds, else
// the one-line reason: the signature is missing, malformed, made with another key, or does not
// verify (the file was changed after it was signed). A failed Result when the public key file
// cannot be used.
Result<std::string> CheckSignature(const std::string& pubkey_path, const std::string& signed_name, const std::string& bytes,
                                   const std::optional<std::string>& signature, DiagnosticSink& sink);

// The SHA-256 of the DER encoding of the public key in `pubkey_path` (what a signature names).
Result<std::string> PublicKeyFingerprint(const std::string& pubkey_path, DiagnosticSink& sink);

// ---------------------------------------------------------------------------------------------
// The pseudonym secret (`zkmatch keygen --secret`, `zkmatch publish`): 32 random bytes from
// OpenSSL's generator, stored as 64 lowercase hex digits and '\n' in a file of mode 0600. It
// keys the HMAC that turns a candidate id into the pseudonym of the public bundle
// (engine/audit-format.md, "The public bundle"): whoever holds it can link every pseudonym to
// its candidate, so it stays with the office, like NAME.key, and is never published.

// Hex digits of a pseudonym: the first 64 bits of the HMAC. Two candidates of a run whose
// pseudonyms agree in them are refused by publish, never assumed away.
inline constexpr std::size_t kPseudonymHexDigits = 16;

// Writes a new secret to `path` (created with mode 0600). Refuses (kBadInput, nothing written)
// when the file exists unless `force`; kIoError when the machine refused a step.
Status GeneratePseudonymSecret(const std::string& path, bool force);

// The 32 secret bytes of the file `path`; kBadInput naming the file and what to do when it is
// missing or not 64 hex digits (and an optional '\n').
Result<std::string> ReadPseudonymSecret(const std::string& path);

// The pseudonym of candidate `id`: the first `hex_digits` lowercase hex digits of
// HMAC-SHA256(secret, id's bytes). Cost: one HMAC (about a microsecond).
std::string Pseudonym(const std::string& secret, std::string_view id, std::size_t hex_digits = kPseudonymHexDigits);

}  // namespace zkmatch

#endif  // ZKMATCH_SIGNATURE_H_
