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

#include <optional>
#include <string>

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

}  // namespace zkmatch

#endif  // ZKMATCH_SIGNATURE_H_
