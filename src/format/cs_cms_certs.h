/* The CMS signature decoded with its certificates taken from a
 * process-wide cache (cs_cms_certs.c): the same chain in many images is
 * decoded once. */
#ifndef LCP_FORMAT_CS_CMS_CERTS_H
#define LCP_FORMAT_CS_CMS_CERTS_H

#include <openssl/cms.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the CMS ContentInfo in der[0..n) as d2i_CMS_ContentInfo would,
 * but without its certificates, which go to *certs instead (when certs is
 * not NULL; in the CMS's order, each a reference the caller frees with
 * sk_X509_pop_free(*certs, X509_free)); certs may be NULL. NULL when
 * libcrypto cannot decode the CMS, certificates included. */
CMS_ContentInfo *lcp_cs_cms_decode(const uint8_t *der, size_t n, STACK_OF(X509) * *certs);

/* How many certificates the cache holds (for tests). */
size_t lcp_cs_cert_cache_size(void);

#endif
