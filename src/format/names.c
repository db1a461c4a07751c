/* Names of file types, platforms, tools and architectures, as Apple's tools
 * spell them (cctools libstuff/arch.c for architectures). */
#include "lcpatch/file.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *lcp_filetype_name(uint32_t filetype) {
    static const char *const names[] = {
        NULL,         "MH_OBJECT",      "MH_EXECUTE",  "MH_FVMLIB",      "MH_CORE",
        "MH_PRELOAD", "MH_DYLIB",       "MH_DYLINKER", "MH_BUNDLE",      "MH_DYLIB_STUB",
        "MH_DSYM",    "MH_KEXT_BUNDLE", "MH_FILESET",  "MH_GPU_EXECUTE", "MH_GPU_DYLIB",
    };
    return filetype < sizeof names / sizeof names[0] ? names[filetype] : NULL;
}

const char *lcp_filetype_short_name(uint32_t filetype) {
    static const char *const names[] = {
        NULL,     "object",     "execute", "fvmlib",      "core",    "preload",     "dylib",     "dylinker",
        "bundle", "dylib_stub", "dsym",    "kext_bundle", "fileset", "gpu_execute", "gpu_dylib",
    };
    return filetype < sizeof names / sizeof names[0] ? names[filetype] : NULL;
}

const char *lcp_mh_flag_name(uint32_t bit) {
    switch (bit) {
    case LCP_MH_NOUNDEFS: return "MH_NOUNDEFS";
    case LCP_MH_INCRLINK: return "MH_INCRLINK";
    case LCP_MH_DYLDLINK: return "MH_DYLDLINK";
    case LCP_MH_BINDATLOAD: return "MH_BINDATLOAD";
    case LCP_MH_PREBOUND: return "MH_PREBOUND";
    case LCP_MH_SPLIT_SEGS: return "MH_SPLIT_SEGS";
    case LCP_MH_LAZY_INIT: return "MH_LAZY_INIT";
    case LCP_MH_TWOLEVEL: return "MH_TWOLEVEL";
    case LCP_MH_FORCE_FLAT: return "MH_FORCE_FLAT";
    case LCP_MH_NOMULTIDEFS: return "MH_NOMULTIDEFS";
    case LCP_MH_NOFIXPREBINDING: return "MH_NOFIXPREBINDING";
    case LCP_MH_PREBINDABLE: return "MH_PREBINDABLE";
    case LCP_MH_ALLMODSBOUND: return "MH_ALLMODSBOUND";
    case LCP_MH_SUBSECTIONS_VIA_SYMBOLS: return "MH_SUBSECTIONS_VIA_SYMBOLS";
    case LCP_MH_CANONICAL: return "MH_CANONICAL";
    case LCP_MH_WEAK_DEFINES: return "MH_WEAK_DEFINES";
    case LCP_MH_BINDS_TO_WEAK: return "MH_BINDS_TO_WEAK";
    case LCP_MH_ALLOW_STACK_EXECUTION: return "MH_ALLOW_STACK_EXECUTION";
    case LCP_MH_ROOT_SAFE: return "MH_ROOT_SAFE";
    case LCP_MH_SETUID_SAFE: return "MH_SETUID_SAFE";
    case LCP_MH_NO_REEXPORTED_DYLIBS: return "MH_NO_REEXPORTED_DYLIBS";
    case LCP_MH_PIE: return "MH_PIE";
    case LCP_MH_DEAD_STRIPPABLE_DYLIB: return "MH_DEAD_STRIPPABLE_DYLIB";
    case LCP_MH_HAS_TLV_DESCRIPTORS: return "MH_HAS_TLV_DESCRIPTORS";
    case LCP_MH_NO_HEAP_EXECUTION: return "MH_NO_HEAP_EXECUTION";
    case LCP_MH_APP_EXTENSION_SAFE: return "MH_APP_EXTENSION_SAFE";
    case LCP_MH_NLIST_OUTOFSYNC_WITH_DYLDINFO: return "MH_NLIST_OUTOFSYNC_WITH_DYLDINFO";
    case LCP_MH_SIM_SUPPORT: return "MH_SIM_SUPPORT";
    case LCP_MH_IMPLICIT_PAGEZERO: return "MH_IMPLICIT_PAGEZERO";
    case LCP_MH_DYLIB_IN_CACHE: return "MH_DYLIB_IN_CACHE";
    default: return NULL;
    }
}

static const struct {
    uint32_t value;
    const char *name;
} platforms[] = {
    {LCP_PLATFORM_MACOS, "macos"},
    {LCP_PLATFORM_IOS, "ios"},
    {LCP_PLATFORM_TVOS, "tvos"},
    {LCP_PLATFORM_WATCHOS, "watchos"},
    {LCP_PLATFORM_BRIDGEOS, "bridgeos"},
    {LCP_PLATFORM_MACCATALYST, "maccatalyst"},
    {LCP_PLATFORM_IOSSIMULATOR, "iossimulator"},
    {LCP_PLATFORM_TVOSSIMULATOR, "tvossimulator"},
    {LCP_PLATFORM_WATCHOSSIMULATOR, "watchossimulator"},
    {LCP_PLATFORM_DRIVERKIT, "driverkit"},
    {LCP_PLATFORM_VISIONOS, "visionos"},
    {LCP_PLATFORM_VISIONOSSIMULATOR, "visionossimulator"},
};

const char *lcp_platform_name(uint32_t platform) {
    for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++)
        if (platforms[i].value == platform)
            return platforms[i].name;
    return NULL;
}

/* A decimal number that fills the whole string. */
static bool parse_number(const char *s, uint32_t *out) {
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

bool lcp_platform_from_name(const char *name, uint32_t *platform) {
    for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++)
        if (strcasecmp(platforms[i].name, name) == 0) {
            *platform = platforms[i].value;
            return true;
        }
    return parse_number(name, platform);
}

static const struct {
    uint32_t value;
    const char *name;
} tools[] = {
    {LCP_TOOL_CLANG, "clang"},
    {LCP_TOOL_SWIFT, "swift"},
    {LCP_TOOL_LD, "ld"},
    {LCP_TOOL_LLD, "lld"},
};

const char *lcp_tool_name(uint32_t tool) {
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (tools[i].value == tool)
            return tools[i].name;
    return NULL;
}

bool lcp_tool_from_name(const char *name, uint32_t *tool) {
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (strcasecmp(tools[i].name, name) == 0) {
            *tool = tools[i].value;
            return true;
        }
    return parse_number(name, tool);
}

/* cctools libstuff/arch.c, arch_flags[]: generic names first, so that a
 * lookup by type and subtype finds the name lipo prints. */
static const struct {
    const char *name;
    uint32_t cputype;
    uint32_t cpusubtype;
} archs[] = {
    {"hppa", LCP_CPU_TYPE_HPPA, 0},
    {"i386", LCP_CPU_TYPE_I386, 3},
    {"x86_64", LCP_CPU_TYPE_X86_64, 3},
    {"x86_64h", LCP_CPU_TYPE_X86_64, 8},
    {"i860", LCP_CPU_TYPE_I860, 0},
    {"m68k", LCP_CPU_TYPE_MC680x0, 1},
    {"m88k", LCP_CPU_TYPE_MC88000, 0},
    {"ppc", LCP_CPU_TYPE_POWERPC, 0},
    {"ppc64", LCP_CPU_TYPE_POWERPC64, 0},
    {"sparc", LCP_CPU_TYPE_SPARC, 0},
    {"arm", LCP_CPU_TYPE_ARM, 0},
    {"arm64", LCP_CPU_TYPE_ARM64, 0},
    {"arm64e", LCP_CPU_TYPE_ARM64, 2},
    {"arm64_32", LCP_CPU_TYPE_ARM64_32, 1},
    {"veo", 255, 2},
    /* specific subtypes */
    {"hppa7100LC", LCP_CPU_TYPE_HPPA, 1},
    {"m68030", LCP_CPU_TYPE_MC680x0, 3},
    {"m68040", LCP_CPU_TYPE_MC680x0, 2},
    {"i486", LCP_CPU_TYPE_I386, 4},
    {"i486SX", LCP_CPU_TYPE_I386, 0x84},
    {"pentium", LCP_CPU_TYPE_I386, 5},
    {"i586", LCP_CPU_TYPE_I386, 5},
    {"pentpro", LCP_CPU_TYPE_I386, 0x16},
    {"i686", LCP_CPU_TYPE_I386, 0x16},
    {"pentIIm3", LCP_CPU_TYPE_I386, 0x36},
    {"pentIIm5", LCP_CPU_TYPE_I386, 0x56},
    {"pentium4", LCP_CPU_TYPE_I386, 0x0a},
    {"ppc601", LCP_CPU_TYPE_POWERPC, 1},
    {"ppc603", LCP_CPU_TYPE_POWERPC, 3},
    {"ppc603e", LCP_CPU_TYPE_POWERPC, 4},
    {"ppc603ev", LCP_CPU_TYPE_POWERPC, 5},
    {"ppc604", LCP_CPU_TYPE_POWERPC, 6},
    {"ppc604e", LCP_CPU_TYPE_POWERPC, 7},
    {"ppc750", LCP_CPU_TYPE_POWERPC, 9},
    {"ppc7400", LCP_CPU_TYPE_POWERPC, 10},
    {"ppc7450", LCP_CPU_TYPE_POWERPC, 11},
    {"ppc970", LCP_CPU_TYPE_POWERPC, 100},
    {"ppc970-64", LCP_CPU_TYPE_POWERPC64, 100},
    {"armv4t", LCP_CPU_TYPE_ARM, 5},
    {"armv5", LCP_CPU_TYPE_ARM, 7},
    {"xscale", LCP_CPU_TYPE_ARM, 8},
    {"armv6", LCP_CPU_TYPE_ARM, 6},
    {"armv6m", LCP_CPU_TYPE_ARM, 14},
    {"armv7", LCP_CPU_TYPE_ARM, 9},
    {"armv7f", LCP_CPU_TYPE_ARM, 10},
    {"armv7s", LCP_CPU_TYPE_ARM, 11},
    {"armv7k", LCP_CPU_TYPE_ARM, 12},
    {"armv7m", LCP_CPU_TYPE_ARM, 15},
    {"armv7em", LCP_CPU_TYPE_ARM, 16},
    {"armv8", LCP_CPU_TYPE_ARM, 13},
    {"arm64v8", LCP_CPU_TYPE_ARM64, 1},
};

const char *lcp_arch_name(uint32_t cputype, uint32_t cpusubtype) {
    uint32_t sub = cpusubtype & ~LCP_CPU_SUBTYPE_MASK;
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++)
        if (archs[i].cputype == cputype && archs[i].cpusubtype == sub)
            return archs[i].name;
    return NULL;
}

const char *lcp_arch_label(uint32_t cputype, uint32_t cpusubtype, char *buf, size_t len) {
    const char *name = lcp_arch_name(cputype, cpusubtype);
    if (name)
        return name;
    snprintf(buf, len, "cputype %d cpusubtype %d", (int)cputype, (int)(cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
    return buf;
}

bool lcp_arch_from_name(const char *name, uint32_t *cputype, uint32_t *cpusubtype) {
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++)
        if (strcmp(archs[i].name, name) == 0) {
            *cputype = archs[i].cputype;
            *cpusubtype = archs[i].cpusubtype;
            return true;
        }
    return false;
}
