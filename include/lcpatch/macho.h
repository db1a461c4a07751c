/* lcpatch: Mach-O constants, written from the published format (no Apple
 * headers are needed to build lcpatch). Names are kept verbatim. */
#ifndef LCPATCH_MACHO_H
#define LCPATCH_MACHO_H

#include <stdint.h>

/* Magic numbers, as read big-endian from the first four bytes. */
#define LCP_MH_MAGIC 0xfeedfaceu    /* 32-bit, big-endian file */
#define LCP_MH_CIGAM 0xcefaedfeu    /* 32-bit, little-endian file */
#define LCP_MH_MAGIC_64 0xfeedfacfu /* 64-bit, big-endian file */
#define LCP_MH_CIGAM_64 0xcffaedfeu /* 64-bit, little-endian file */
#define LCP_FAT_MAGIC 0xcafebabeu
#define LCP_FAT_MAGIC_64 0xcafebabfu
/* The most slices lcpatch takes a fat header to hold: more than any real
 * fat file has (about 20 architectures exist). 0xcafebabe is also a Java
 * class file's magic, followed by minor and major version, so that a class
 * file reads as nfat_arch = minor << 16 | major (major 45 and up); a larger
 * nfat_arch is refused, and a Java class named where it looks like one. */
#define LCP_FAT_MAX_ARCHS 32u
#define LCP_MH_HEADER_SIZE 28u
#define LCP_MH_HEADER_SIZE_64 32u
#define LCP_FAT_HEADER_SIZE 8u
#define LCP_FAT_ARCH_SIZE 20u
#define LCP_FAT_ARCH_SIZE_64 32u

/* CPU types and subtypes. */
#define LCP_CPU_ARCH_ABI64 0x01000000u
#define LCP_CPU_ARCH_ABI64_32 0x02000000u
#define LCP_CPU_TYPE_ANY 0xffffffffu
#define LCP_CPU_TYPE_VAX 1u
#define LCP_CPU_TYPE_MC680x0 6u
#define LCP_CPU_TYPE_X86 7u
#define LCP_CPU_TYPE_I386 LCP_CPU_TYPE_X86
#define LCP_CPU_TYPE_X86_64 (LCP_CPU_TYPE_X86 | LCP_CPU_ARCH_ABI64)
#define LCP_CPU_TYPE_MC98000 10u
#define LCP_CPU_TYPE_HPPA 11u
#define LCP_CPU_TYPE_ARM 12u
#define LCP_CPU_TYPE_ARM64 (LCP_CPU_TYPE_ARM | LCP_CPU_ARCH_ABI64)
#define LCP_CPU_TYPE_ARM64_32 (LCP_CPU_TYPE_ARM | LCP_CPU_ARCH_ABI64_32)
#define LCP_CPU_TYPE_MC88000 13u
#define LCP_CPU_TYPE_SPARC 14u
#define LCP_CPU_TYPE_I860 15u
#define LCP_CPU_TYPE_POWERPC 18u
#define LCP_CPU_TYPE_POWERPC64 (LCP_CPU_TYPE_POWERPC | LCP_CPU_ARCH_ABI64)
#define LCP_CPU_SUBTYPE_MASK 0xff000000u /* capability bits */
#define LCP_CPU_SUBTYPE_LIB64 0x80000000u
#define LCP_CPU_SUBTYPE_PTRAUTH_ABI 0x80000000u
#define LCP_CPU_SUBTYPE_ARM64E 2u

/* File types. */
#define LCP_MH_OBJECT 0x1u
#define LCP_MH_EXECUTE 0x2u
#define LCP_MH_FVMLIB 0x3u
#define LCP_MH_CORE 0x4u
#define LCP_MH_PRELOAD 0x5u
#define LCP_MH_DYLIB 0x6u
#define LCP_MH_DYLINKER 0x7u
#define LCP_MH_BUNDLE 0x8u
#define LCP_MH_DYLIB_STUB 0x9u
#define LCP_MH_DSYM 0xau
#define LCP_MH_KEXT_BUNDLE 0xbu
#define LCP_MH_FILESET 0xcu
#define LCP_MH_GPU_EXECUTE 0xdu
#define LCP_MH_GPU_DYLIB 0xeu

/* Flags of the mach header. */
#define LCP_MH_NOUNDEFS 0x1u
#define LCP_MH_INCRLINK 0x2u
#define LCP_MH_DYLDLINK 0x4u
#define LCP_MH_BINDATLOAD 0x8u
#define LCP_MH_PREBOUND 0x10u
#define LCP_MH_SPLIT_SEGS 0x20u
#define LCP_MH_LAZY_INIT 0x40u
#define LCP_MH_TWOLEVEL 0x80u
#define LCP_MH_FORCE_FLAT 0x100u
#define LCP_MH_NOMULTIDEFS 0x200u
#define LCP_MH_NOFIXPREBINDING 0x400u
#define LCP_MH_PREBINDABLE 0x800u
#define LCP_MH_ALLMODSBOUND 0x1000u
#define LCP_MH_SUBSECTIONS_VIA_SYMBOLS 0x2000u
#define LCP_MH_CANONICAL 0x4000u
#define LCP_MH_WEAK_DEFINES 0x8000u
#define LCP_MH_BINDS_TO_WEAK 0x10000u
#define LCP_MH_ALLOW_STACK_EXECUTION 0x20000u
#define LCP_MH_ROOT_SAFE 0x40000u
#define LCP_MH_SETUID_SAFE 0x80000u
#define LCP_MH_NO_REEXPORTED_DYLIBS 0x100000u
#define LCP_MH_PIE 0x200000u
#define LCP_MH_DEAD_STRIPPABLE_DYLIB 0x400000u
#define LCP_MH_HAS_TLV_DESCRIPTORS 0x800000u
#define LCP_MH_NO_HEAP_EXECUTION 0x1000000u
#define LCP_MH_APP_EXTENSION_SAFE 0x2000000u
#define LCP_MH_NLIST_OUTOFSYNC_WITH_DYLDINFO 0x4000000u
#define LCP_MH_SIM_SUPPORT 0x8000000u
#define LCP_MH_IMPLICIT_PAGEZERO 0x10000000u
#define LCP_MH_DYLIB_IN_CACHE 0x80000000u

/* Load commands. */
#define LCP_LC_REQ_DYLD 0x80000000u
#define LCP_LC_SEGMENT 0x1u
#define LCP_LC_SYMTAB 0x2u
#define LCP_LC_SYMSEG 0x3u
#define LCP_LC_THREAD 0x4u
#define LCP_LC_UNIXTHREAD 0x5u
#define LCP_LC_LOADFVMLIB 0x6u
#define LCP_LC_IDFVMLIB 0x7u
#define LCP_LC_IDENT 0x8u
#define LCP_LC_FVMFILE 0x9u
#define LCP_LC_PREPAGE 0xau
#define LCP_LC_DYSYMTAB 0xbu
#define LCP_LC_LOAD_DYLIB 0xcu
#define LCP_LC_ID_DYLIB 0xdu
#define LCP_LC_LOAD_DYLINKER 0xeu
#define LCP_LC_ID_DYLINKER 0xfu
#define LCP_LC_PREBOUND_DYLIB 0x10u
#define LCP_LC_ROUTINES 0x11u
#define LCP_LC_SUB_FRAMEWORK 0x12u
#define LCP_LC_SUB_UMBRELLA 0x13u
#define LCP_LC_SUB_CLIENT 0x14u
#define LCP_LC_SUB_LIBRARY 0x15u
#define LCP_LC_TWOLEVEL_HINTS 0x16u
#define LCP_LC_PREBIND_CKSUM 0x17u
#define LCP_LC_LOAD_WEAK_DYLIB (0x18u | LCP_LC_REQ_DYLD)
#define LCP_LC_SEGMENT_64 0x19u
#define LCP_LC_ROUTINES_64 0x1au
#define LCP_LC_UUID 0x1bu
#define LCP_LC_RPATH (0x1cu | LCP_LC_REQ_DYLD)
#define LCP_LC_CODE_SIGNATURE 0x1du
#define LCP_LC_SEGMENT_SPLIT_INFO 0x1eu
#define LCP_LC_REEXPORT_DYLIB (0x1fu | LCP_LC_REQ_DYLD)
#define LCP_LC_LAZY_LOAD_DYLIB 0x20u
#define LCP_LC_ENCRYPTION_INFO 0x21u
#define LCP_LC_DYLD_INFO 0x22u
#define LCP_LC_DYLD_INFO_ONLY (0x22u | LCP_LC_REQ_DYLD)
#define LCP_LC_LOAD_UPWARD_DYLIB (0x23u | LCP_LC_REQ_DYLD)
#define LCP_LC_VERSION_MIN_MACOSX 0x24u
#define LCP_LC_VERSION_MIN_IPHONEOS 0x25u
#define LCP_LC_FUNCTION_STARTS 0x26u
#define LCP_LC_DYLD_ENVIRONMENT 0x27u
#define LCP_LC_MAIN (0x28u | LCP_LC_REQ_DYLD)
#define LCP_LC_DATA_IN_CODE 0x29u
#define LCP_LC_SOURCE_VERSION 0x2au
#define LCP_LC_DYLIB_CODE_SIGN_DRS 0x2bu
#define LCP_LC_ENCRYPTION_INFO_64 0x2cu
#define LCP_LC_LINKER_OPTION 0x2du
#define LCP_LC_LINKER_OPTIMIZATION_HINT 0x2eu
#define LCP_LC_VERSION_MIN_TVOS 0x2fu
#define LCP_LC_VERSION_MIN_WATCHOS 0x30u
#define LCP_LC_NOTE 0x31u
#define LCP_LC_BUILD_VERSION 0x32u
#define LCP_LC_DYLD_EXPORTS_TRIE (0x33u | LCP_LC_REQ_DYLD)
#define LCP_LC_DYLD_CHAINED_FIXUPS (0x34u | LCP_LC_REQ_DYLD)
#define LCP_LC_FILESET_ENTRY (0x35u | LCP_LC_REQ_DYLD)
#define LCP_LC_ATOM_INFO 0x36u
#define LCP_LC_FUNCTION_VARIANTS 0x37u
#define LCP_LC_FUNCTION_VARIANT_FIXUPS 0x38u
#define LCP_LC_TARGET_TRIPLE 0x39u

/* Sizes of fixed parts. */
#define LCP_SEGMENT_COMMAND_SIZE 56u
#define LCP_SEGMENT_COMMAND_64_SIZE 72u
#define LCP_SECTION_SIZE 68u
#define LCP_SECTION_64_SIZE 80u

/* Section types (low byte of flags) that occupy no file space. */
#define LCP_SECTION_TYPE 0x000000ffu
#define LCP_S_ZEROFILL 0x1u
#define LCP_S_GB_ZEROFILL 0xcu
#define LCP_S_THREAD_LOCAL_ZEROFILL 0x12u

/* Platforms of LC_BUILD_VERSION. */
#define LCP_PLATFORM_MACOS 1u
#define LCP_PLATFORM_IOS 2u
#define LCP_PLATFORM_TVOS 3u
#define LCP_PLATFORM_WATCHOS 4u
#define LCP_PLATFORM_BRIDGEOS 5u
#define LCP_PLATFORM_MACCATALYST 6u
#define LCP_PLATFORM_IOSSIMULATOR 7u
#define LCP_PLATFORM_TVOSSIMULATOR 8u
#define LCP_PLATFORM_WATCHOSSIMULATOR 9u
#define LCP_PLATFORM_DRIVERKIT 10u
#define LCP_PLATFORM_VISIONOS 11u
#define LCP_PLATFORM_VISIONOSSIMULATOR 12u

/* Tools of LC_BUILD_VERSION. */
#define LCP_TOOL_CLANG 1u
#define LCP_TOOL_SWIFT 2u
#define LCP_TOOL_LD 3u
#define LCP_TOOL_LLD 4u

/* Versions are packed xxxx.yy.zz (nibbles: X16.Y8.Z8). */
#define LCP_VERSION(x, y, z) (((uint32_t)(x) << 16) | ((uint32_t)(y) << 8) | (uint32_t)(z))

#endif
