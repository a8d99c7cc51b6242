// Plain calls over BearSSL (see include/swiftlet_bearssl.h). Implementations are chosen
// explicitly: AES-NI, PCLMULQDQ and SSE2 only where the CPU has them and the build allows
// SIMD (not with SWIFTLET_PORTABLE_CRYPTO, defined for hvt, whose guests cannot run SSE);
// otherwise BearSSL's constant-time portable code (aes_ct64, ghash_ctmul64, chacha20_ct).
#include "swiftlet_bearssl.h"

#include <string.h>

// A memset the compiler may not drop: wipes secrets off the stack.
static void wipe(void *p, size_t n) {
    volatile unsigned char *v = p;
    while (n--) *v++ = 0;
}

int swiftlet_gcm_init(swiftlet_gcm_key *key, const void *bytes, size_t length) {
    if (length != 16 && length != 24 && length != 32) return 0;
    key->ghash = 0;
#ifndef SWIFTLET_PORTABLE_CRYPTO
    if (br_aes_x86ni_ctr_get_vtable() != NULL) {
        br_aes_x86ni_ctr_init(&key->keys.x86ni, bytes, length);
    } else
#endif
    {
        br_aes_ct64_ctr_init(&key->keys.ct64, bytes, length);
    }
#ifndef SWIFTLET_PORTABLE_CRYPTO
    key->ghash = br_ghash_pclmul_get();
#endif
    if (key->ghash == 0) key->ghash = br_ghash_ctmul64;
    return 1;
}

static void gcm_start(br_gcm_context *context, const swiftlet_gcm_key *key, const void *nonce, size_t nonce_length,
                      const void *aad, size_t aad_length) {
    // The CTR implementations only read their keys; BearSSL's signature wants a non-const pointer.
    br_gcm_init(context, (const br_block_ctr_class **)&key->keys.vtable, key->ghash);
    br_gcm_reset(context, nonce, nonce_length);
    br_gcm_aad_inject(context, aad, aad_length);
    br_gcm_flip(context);
}

void swiftlet_gcm_seal(const swiftlet_gcm_key *key, const void *nonce, size_t nonce_length,
                       const void *aad, size_t aad_length, void *data, size_t length, void *tag) {
    br_gcm_context context;
    gcm_start(&context, key, nonce, nonce_length, aad, aad_length);
    br_gcm_run(&context, 1, data, length);
    br_gcm_get_tag(&context, tag);
    wipe(&context, sizeof context);
}

int swiftlet_gcm_open(const swiftlet_gcm_key *key, const void *nonce, size_t nonce_length,
                      const void *aad, size_t aad_length, void *data, size_t length, const void *tag) {
    br_gcm_context context;
    gcm_start(&context, key, nonce, nonce_length, aad, aad_length);
    br_gcm_run(&context, 0, data, length);
    int valid = (int)br_gcm_check_tag(&context, tag);
    wipe(&context, sizeof context);
    if (!valid) wipe(data, length);
    return valid;
}

static br_chacha20_run chacha20(void) {
#ifndef SWIFTLET_PORTABLE_CRYPTO
    br_chacha20_run sse2 = br_chacha20_sse2_get();
    if (sse2 != 0) return sse2;
#endif
    return br_chacha20_ct_run;
}

static br_poly1305_run poly1305(void) {
    // ctmulq needs only 64x64->128 multiplications, which every x86-64 has.
    br_poly1305_run q = br_poly1305_ctmulq_get();
    return q != 0 ? q : br_poly1305_ctmul_run;
}

void swiftlet_chacha20poly1305_seal(const void *key, const void *nonce, const void *aad, size_t aad_length,
                                    void *data, size_t length, void *tag) {
    poly1305()(key, nonce, data, length, aad, aad_length, tag, chacha20(), 1);
}

int swiftlet_chacha20poly1305_open(const void *key, const void *nonce, const void *aad, size_t aad_length,
                                   void *data, size_t length, const void *tag) {
    unsigned char computed[16];
    poly1305()(key, nonce, data, length, aad, aad_length, computed, chacha20(), 0);
    const unsigned char *expected = tag;
    unsigned difference = 0;
    for (int i = 0; i < 16; i++) difference |= computed[i] ^ expected[i];
    wipe(computed, sizeof computed);
    if (difference != 0) {
        wipe(data, length);
        return 0;
    }
    return 1;
}

void swiftlet_x25519(void *out, const void *scalar, const void *point) {
    // BearSSL's Curve25519 code takes the scalar as RFC 7748 encodes it (and clamps it).
    unsigned char k[32], u[32];
    memcpy(k, scalar, 32);
    if (point != NULL) {
        memcpy(u, point, 32);
        br_ec_c25519_m31.mul(u, 32, k, 32, BR_EC_curve25519);
    } else {
        br_ec_c25519_m31.mulgen(u, k, 32, BR_EC_curve25519);
    }
    memcpy(out, u, 32);
    wipe(k, sizeof k);
}

static const br_ec_impl *ec(int curve) {
    return curve == BR_EC_secp256r1 ? &br_ec_p256_m31 : &br_ec_prime_i31;
}

const unsigned char *swiftlet_ec_order(int curve, size_t *length) {
    return ec(curve)->order(curve, length);
}

size_t swiftlet_ec_public_key(int curve, const void *scalar, size_t scalar_length, void *out) {
    return ec(curve)->mulgen(out, scalar, scalar_length, curve);
}

int swiftlet_ecdh(int curve, const void *scalar, size_t scalar_length, const void *point, size_t point_length, void *x) {
    unsigned char buffer[BR_EC_KBUF_PUB_MAX_SIZE];
    if (point_length == 0 || point_length > sizeof buffer) return 0;
    memcpy(buffer, point, point_length);
    const br_ec_impl *impl = ec(curve);
    if (!impl->mul(buffer, point_length, scalar, scalar_length, curve)) return 0;
    size_t x_length;
    size_t offset = impl->xoff(curve, &x_length);
    memcpy(x, buffer + offset, x_length);
    wipe(buffer, sizeof buffer);
    return 1;
}

static const br_hash_class *hash_class(int hash) {
    switch (hash) {
    case SWIFTLET_HASH_SHA1: return &br_sha1_vtable;
    case SWIFTLET_HASH_SHA384: return &br_sha384_vtable;
    case SWIFTLET_HASH_SHA512: return &br_sha512_vtable;
    default: return &br_sha256_vtable;
    }
}

size_t swiftlet_ecdsa_sign(int curve, int hash, const void *digest, const void *scalar, size_t scalar_length,
                           void *signature) {
    br_ec_private_key key = {curve, (unsigned char *)scalar, scalar_length};
    return br_ecdsa_i31_sign_raw(ec(curve), hash_class(hash), digest, &key, signature);
}

int swiftlet_ecdsa_verify(int curve, const void *digest, size_t digest_length, const void *point, size_t point_length,
                          const void *signature, size_t signature_length) {
    br_ec_public_key key = {curve, (unsigned char *)point, point_length};
    return (int)br_ecdsa_i31_vrfy_raw(ec(curve), digest, digest_length, &key, signature, signature_length);
}

int swiftlet_rsa_public(void *x, size_t length, const void *modulus, size_t modulus_length,
                        const void *exponent, size_t exponent_length) {
    br_rsa_public_key key = {(unsigned char *)modulus, modulus_length, (unsigned char *)exponent, exponent_length};
    return (int)br_rsa_i31_public(x, length, &key);
}

int swiftlet_rsa_pkcs1_recover(const void *signature, size_t length, int hash, size_t hash_length,
                               const void *modulus, size_t modulus_length, const void *exponent,
                               size_t exponent_length, void *hash_out) {
    const unsigned char *oid;
    switch (hash) {
    case SWIFTLET_HASH_SHA1: oid = BR_HASH_OID_SHA1; break;
    case SWIFTLET_HASH_SHA256: oid = BR_HASH_OID_SHA256; break;
    case SWIFTLET_HASH_SHA384: oid = BR_HASH_OID_SHA384; break;
    case SWIFTLET_HASH_SHA512: oid = BR_HASH_OID_SHA512; break;
    default: return 0;
    }
    br_rsa_public_key key = {(unsigned char *)modulus, modulus_length, (unsigned char *)exponent, exponent_length};
    return (int)br_rsa_i31_pkcs1_vrfy(signature, length, oid, hash_length, &key, hash_out);
}
