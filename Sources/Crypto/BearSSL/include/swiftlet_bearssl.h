// The C side of SwiftletCrypto: BearSSL's headers (the system's libbearssl-dev) and a few
// functions that give Swift plain (pointer, length) calls instead of BearSSL's class tables.
// Nothing here is cryptographic arithmetic; it chooses BearSSL implementations and calls them.
#ifndef SWIFTLET_BEARSSL_H
#define SWIFTLET_BEARSSL_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>

/// Hash identifiers (the digest lengths BearSSL's RSA code needs the OID for).
enum { SWIFTLET_HASH_SHA1 = 1, SWIFTLET_HASH_SHA256 = 2, SWIFTLET_HASH_SHA384 = 3, SWIFTLET_HASH_SHA512 = 4 };

/// Curves, as BearSSL numbers them (RFC 4492 / 8422 named-curve identifiers).
enum { SWIFTLET_CURVE_P256 = BR_EC_secp256r1, SWIFTLET_CURVE_P384 = BR_EC_secp384r1 };

/// BearSSL's SHA-256 class (a pointer to its constant, which Swift cannot take directly).
static inline const br_hash_class *swiftlet_sha256_class(void) { return &br_sha256_vtable; }

/// An expanded AES key for GCM, with the AES and GHASH implementations chosen for this CPU.
typedef struct {
    union {
        const br_block_ctr_class *vtable;
        br_aes_ct64_ctr_keys ct64;
        br_aes_x86ni_ctr_keys x86ni;
    } keys;
    br_ghash ghash;
} swiftlet_gcm_key;

/// Expands `key` (16, 24 or 32 bytes). Returns 1, or 0 for a bad length.
int swiftlet_gcm_init(swiftlet_gcm_key *key, const void *bytes, size_t length);
/// Encrypts `data` in place and writes the 16-byte tag.
void swiftlet_gcm_seal(const swiftlet_gcm_key *key, const void *nonce, size_t nonce_length,
                       const void *aad, size_t aad_length, void *data, size_t length, void *tag);
/// Checks the tag and decrypts `data` in place. Returns 1, or 0 (and `data` zeroed) on a bad tag.
int swiftlet_gcm_open(const swiftlet_gcm_key *key, const void *nonce, size_t nonce_length,
                      const void *aad, size_t aad_length, void *data, size_t length, const void *tag);

/// ChaCha20-Poly1305 (RFC 8439): 32-byte key, 12-byte nonce; in place, 16-byte tag.
void swiftlet_chacha20poly1305_seal(const void *key, const void *nonce, const void *aad, size_t aad_length,
                                    void *data, size_t length, void *tag);
/// Returns 1, or 0 (and `data` zeroed) on a bad tag.
int swiftlet_chacha20poly1305_open(const void *key, const void *nonce, const void *aad, size_t aad_length,
                                   void *data, size_t length, const void *tag);

/// X25519 (RFC 7748): `out` = `scalar` * `point` (`point` NULL: the base point). All 32 bytes,
/// little-endian as in the RFC.
void swiftlet_x25519(void *out, const void *scalar, const void *point);

/// The order of `curve`, big-endian; its length in `*length`.
const unsigned char *swiftlet_ec_order(int curve, size_t *length);
/// The uncompressed public point of `scalar` (which must be in [1, n-1]) into `out`; returns its length.
size_t swiftlet_ec_public_key(int curve, const void *scalar, size_t scalar_length, void *out);
/// `scalar` * `point` (uncompressed, checked on the curve); writes the x coordinate into `x`.
/// Returns 1, or 0 for a point not on the curve.
int swiftlet_ecdh(int curve, const void *scalar, size_t scalar_length, const void *point, size_t point_length, void *x);
/// ECDSA with deterministic k (RFC 6979, HMAC with `hash`): r||s into `signature`; returns its length or 0.
size_t swiftlet_ecdsa_sign(int curve, int hash, const void *digest, const void *scalar, size_t scalar_length,
                           void *signature);
/// Verifies r||s over `digest`. Returns 1 if valid.
int swiftlet_ecdsa_verify(int curve, const void *digest, size_t digest_length, const void *point, size_t point_length,
                          const void *signature, size_t signature_length);

/// The RSA public operation in place on `x` (as long as the modulus). Returns 1, or 0 if `x` >= n.
int swiftlet_rsa_public(void *x, size_t length, const void *modulus, size_t modulus_length,
                        const void *exponent, size_t exponent_length);
/// PKCS#1 v1.5 signature check: recovers the hash (of `hash`, `hash_length` bytes) into `hash_out`.
/// Returns 1 if the padding and DigestInfo are right.
int swiftlet_rsa_pkcs1_recover(const void *signature, size_t length, int hash, size_t hash_length,
                               const void *modulus, size_t modulus_length, const void *exponent,
                               size_t exponent_length, void *hash_out);

#endif
