/* lcpatch: the code signature's on-disk format (the SuperBlob that
 * LC_CODE_SIGNATURE points at), written from Apple's published
 * xnu osfmk/kern/cs_blobs.h and Security's CodeDirectory.h. Every field of
 * a signature blob is big-endian, whatever the image's byte order. Names are
 * kept verbatim, with the LCP_ prefix. Offsets are those of the structures'
 * fields, for code that reads or writes them through a bounded cursor (no
 * struct is ever laid over input). */
#ifndef LCPATCH_CODESIGN_FORMAT_H
#define LCPATCH_CODESIGN_FORMAT_H

/* Blob magics. */
#define LCP_CSMAGIC_REQUIREMENT 0xfade0c00u
#define LCP_CSMAGIC_REQUIREMENTS 0xfade0c01u
#define LCP_CSMAGIC_CODEDIRECTORY 0xfade0c02u
#define LCP_CSMAGIC_EMBEDDED_SIGNATURE 0xfade0cc0u
#define LCP_CSMAGIC_EMBEDDED_SIGNATURE_OLD 0xfade0b02u
#define LCP_CSMAGIC_EMBEDDED_ENTITLEMENTS 0xfade7171u
#define LCP_CSMAGIC_EMBEDDED_DER_ENTITLEMENTS 0xfade7172u
#define LCP_CSMAGIC_DETACHED_SIGNATURE 0xfade0cc1u
#define LCP_CSMAGIC_BLOBWRAPPER 0xfade0b01u /* wraps the CMS signature */
#define LCP_CSMAGIC_EMBEDDED_LAUNCH_CONSTRAINT 0xfade8181u

/* SuperBlob: magic, length, count, then count (type, offset) pairs. */
#define LCP_CS_SUPERBLOB_HEADER_SIZE 12u
#define LCP_CS_BLOBINDEX_SIZE 8u
#define LCP_CS_GENERICBLOB_HEADER_SIZE 8u /* magic, length */

/* Slot types of the SuperBlob index, and the special slots of a
 * CodeDirectory (hash slot -N holds the hash of slot type N). */
#define LCP_CSSLOT_CODEDIRECTORY 0u
#define LCP_CSSLOT_INFOSLOT 1u
#define LCP_CSSLOT_REQUIREMENTS 2u
#define LCP_CSSLOT_RESOURCEDIR 3u
#define LCP_CSSLOT_APPLICATION 4u
#define LCP_CSSLOT_ENTITLEMENTS 5u
#define LCP_CSSLOT_DER_ENTITLEMENTS 7u
#define LCP_CSSLOT_LAUNCH_CONSTRAINT_SELF 8u
#define LCP_CSSLOT_LAUNCH_CONSTRAINT_PARENT 9u
#define LCP_CSSLOT_LAUNCH_CONSTRAINT_RESPONSIBLE 10u
#define LCP_CSSLOT_LIBRARY_CONSTRAINT 11u
#define LCP_CSSLOT_ALTERNATE_CODEDIRECTORIES 0x1000u /* up to 5 of them */
#define LCP_CSSLOT_ALTERNATE_CODEDIRECTORY_MAX 5u
#define LCP_CSSLOT_SIGNATURESLOT 0x10000u /* the CMS blob wrapper */

/* CodeDirectory versions: each adds fields after the previous ones. */
#define LCP_CS_SUPPORTSSCATTER 0x20100u
#define LCP_CS_SUPPORTSTEAMID 0x20200u
#define LCP_CS_SUPPORTSCODELIMIT64 0x20300u
#define LCP_CS_SUPPORTSEXECSEG 0x20400u
#define LCP_CS_SUPPORTSRUNTIME 0x20500u
#define LCP_CS_SUPPORTSLINKAGE 0x20600u

/* CodeDirectory field offsets (from the blob's start). */
#define LCP_CD_MAGIC 0u
#define LCP_CD_LENGTH 4u
#define LCP_CD_VERSION 8u
#define LCP_CD_FLAGS 12u
#define LCP_CD_HASHOFFSET 16u
#define LCP_CD_IDENTOFFSET 20u
#define LCP_CD_NSPECIALSLOTS 24u
#define LCP_CD_NCODESLOTS 28u
#define LCP_CD_CODELIMIT 32u
#define LCP_CD_HASHSIZE 36u /* uint8_t */
#define LCP_CD_HASHTYPE 37u /* uint8_t */
#define LCP_CD_PLATFORM 38u /* uint8_t */
#define LCP_CD_PAGESIZE 39u /* uint8_t, log2 of the page size; 0: one page */
#define LCP_CD_SPARE2 40u
#define LCP_CD_SIZE_EARLIEST 44u             /* version < 0x20100 */
#define LCP_CD_SCATTEROFFSET 44u             /* >= 0x20100 */
#define LCP_CD_TEAMOFFSET 48u                /* >= 0x20200 */
#define LCP_CD_SPARE3 52u                    /* >= 0x20300 */
#define LCP_CD_CODELIMIT64 56u               /* >= 0x20300, uint64_t */
#define LCP_CD_EXECSEGBASE 64u               /* >= 0x20400, uint64_t */
#define LCP_CD_EXECSEGLIMIT 72u              /* >= 0x20400, uint64_t */
#define LCP_CD_EXECSEGFLAGS 80u              /* >= 0x20400, uint64_t */
#define LCP_CD_RUNTIME 88u                   /* >= 0x20500 */
#define LCP_CD_PRELINKHASHOFFSET 92u         /* >= 0x20500 */
#define LCP_CD_LINKAGEHASHTYPE 96u           /* >= 0x20600, uint8_t */
#define LCP_CD_LINKAGEAPPLICATIONTYPE 97u    /* >= 0x20600, uint8_t */
#define LCP_CD_LINKAGEAPPLICATIONSUBTYPE 98u /* >= 0x20600, uint16_t */
#define LCP_CD_LINKAGEOFFSET 100u            /* >= 0x20600 */
#define LCP_CD_LINKAGESIZE 104u              /* >= 0x20600 */
#define LCP_CD_SIZE_20100 48u
#define LCP_CD_SIZE_20200 52u
#define LCP_CD_SIZE_20300 64u
#define LCP_CD_SIZE_20400 88u
#define LCP_CD_SIZE_20500 96u
#define LCP_CD_SIZE_20600 108u

/* CodeDirectory flags (cs_blobs.h CS_*). */
#define LCP_CS_VALID 0x00000001u
#define LCP_CS_ADHOC 0x00000002u
#define LCP_CS_GET_TASK_ALLOW 0x00000004u
#define LCP_CS_INSTALLER 0x00000008u
#define LCP_CS_FORCED_LV 0x00000010u
#define LCP_CS_INVALID_ALLOWED 0x00000020u
#define LCP_CS_HARD 0x00000100u
#define LCP_CS_KILL 0x00000200u
#define LCP_CS_CHECK_EXPIRATION 0x00000400u
#define LCP_CS_RESTRICT 0x00000800u
#define LCP_CS_ENFORCEMENT 0x00001000u
#define LCP_CS_REQUIRE_LV 0x00002000u
#define LCP_CS_ENTITLEMENTS_VALIDATED 0x00004000u
#define LCP_CS_NVRAM_UNRESTRICTED 0x00008000u
#define LCP_CS_RUNTIME 0x00010000u
#define LCP_CS_LINKER_SIGNED 0x00020000u

/* Exec segment flags (CS_EXECSEG_*). */
#define LCP_CS_EXECSEG_MAIN_BINARY 0x1u
#define LCP_CS_EXECSEG_ALLOW_UNSIGNED 0x10u
#define LCP_CS_EXECSEG_DEBUGGER 0x20u
#define LCP_CS_EXECSEG_JIT 0x40u
#define LCP_CS_EXECSEG_SKIP_LV 0x80u
#define LCP_CS_EXECSEG_CAN_LOAD_CDHASH 0x100u
#define LCP_CS_EXECSEG_CAN_EXEC_CDHASH 0x200u

/* Hash types, and the size of each digest. */
#define LCP_CS_HASHTYPE_SHA1 1u
#define LCP_CS_HASHTYPE_SHA256 2u
#define LCP_CS_HASHTYPE_SHA256_TRUNCATED 3u /* 20 bytes of SHA-256 */
#define LCP_CS_HASHTYPE_SHA384 4u
#define LCP_CS_SHA1_LEN 20u
#define LCP_CS_SHA256_LEN 32u
#define LCP_CS_SHA256_TRUNCATED_LEN 20u
#define LCP_CS_SHA384_LEN 48u
#define LCP_CS_CDHASH_LEN 20u /* a cdhash is the first 20 bytes of the digest */

/* Code pages are 4 KiB unless the CodeDirectory says otherwise; ld64 and
 * codesign use 4 KiB on every platform (16 KiB pages are hashed as four). */
#define LCP_CS_PAGE_SHIFT 12u
#define LCP_CS_PAGE_SIZE 4096u

/* LC_CODE_SIGNATURE's data starts 16-byte aligned in __LINKEDIT
 * (ld64, codesign_allocate). */
#define LCP_CS_DATA_ALIGN 16u

#endif
