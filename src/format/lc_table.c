/* The load-command table (see lc_table.h). Sizes are those of loader.h. */
#include "format/lc_table.h"

#include "lcpatch/macho.h"
#include "lcpatch/names.h"

#include <stddef.h>

static const lcp_lc_info table[] = {
    {LCP_LC_SEGMENT, "LC_SEGMENT", 56, 0, 0},
    {LCP_LC_SYMTAB, "LC_SYMTAB", 24, 0, 0},
    {LCP_LC_SYMSEG, "LC_SYMSEG", 16, 0, 0},
    {LCP_LC_THREAD, "LC_THREAD", 8, 0, 0},
    {LCP_LC_UNIXTHREAD, "LC_UNIXTHREAD", 8, 0, 0},
    {LCP_LC_LOADFVMLIB, "LC_LOADFVMLIB", 20, 8, 0},
    {LCP_LC_IDFVMLIB, "LC_IDFVMLIB", 20, 8, 0},
    {LCP_LC_IDENT, "LC_IDENT", 8, 0, 0},
    {LCP_LC_FVMFILE, "LC_FVMFILE", 16, 8, 0},
    {LCP_LC_PREPAGE, "LC_PREPAGE", 8, 0, 0},
    {LCP_LC_DYSYMTAB, "LC_DYSYMTAB", 80, 0, 0},
    {LCP_LC_LOAD_DYLIB, "LC_LOAD_DYLIB", 24, 8, 0},
    {LCP_LC_ID_DYLIB, "LC_ID_DYLIB", 24, 8, 0},
    {LCP_LC_LOAD_DYLINKER, "LC_LOAD_DYLINKER", 12, 8, 0},
    {LCP_LC_ID_DYLINKER, "LC_ID_DYLINKER", 12, 8, 0},
    {LCP_LC_PREBOUND_DYLIB, "LC_PREBOUND_DYLIB", 20, 8, 16},
    {LCP_LC_ROUTINES, "LC_ROUTINES", 40, 0, 0},
    {LCP_LC_SUB_FRAMEWORK, "LC_SUB_FRAMEWORK", 12, 8, 0},
    {LCP_LC_SUB_UMBRELLA, "LC_SUB_UMBRELLA", 12, 8, 0},
    {LCP_LC_SUB_CLIENT, "LC_SUB_CLIENT", 12, 8, 0},
    {LCP_LC_SUB_LIBRARY, "LC_SUB_LIBRARY", 12, 8, 0},
    {LCP_LC_TWOLEVEL_HINTS, "LC_TWOLEVEL_HINTS", 16, 0, 0},
    {LCP_LC_PREBIND_CKSUM, "LC_PREBIND_CKSUM", 12, 0, 0},
    {LCP_LC_LOAD_WEAK_DYLIB, "LC_LOAD_WEAK_DYLIB", 24, 8, 0},
    {LCP_LC_SEGMENT_64, "LC_SEGMENT_64", 72, 0, 0},
    {LCP_LC_ROUTINES_64, "LC_ROUTINES_64", 72, 0, 0},
    {LCP_LC_UUID, "LC_UUID", 24, 0, 0},
    {LCP_LC_RPATH, "LC_RPATH", 12, 8, 0},
    {LCP_LC_CODE_SIGNATURE, "LC_CODE_SIGNATURE", 16, 0, 0},
    {LCP_LC_SEGMENT_SPLIT_INFO, "LC_SEGMENT_SPLIT_INFO", 16, 0, 0},
    {LCP_LC_REEXPORT_DYLIB, "LC_REEXPORT_DYLIB", 24, 8, 0},
    {LCP_LC_LAZY_LOAD_DYLIB, "LC_LAZY_LOAD_DYLIB", 24, 8, 0},
    {LCP_LC_ENCRYPTION_INFO, "LC_ENCRYPTION_INFO", 20, 0, 0},
    {LCP_LC_DYLD_INFO, "LC_DYLD_INFO", 48, 0, 0},
    {LCP_LC_DYLD_INFO_ONLY, "LC_DYLD_INFO_ONLY", 48, 0, 0},
    {LCP_LC_LOAD_UPWARD_DYLIB, "LC_LOAD_UPWARD_DYLIB", 24, 8, 0},
    {LCP_LC_VERSION_MIN_MACOSX, "LC_VERSION_MIN_MACOSX", 16, 0, 0},
    {LCP_LC_VERSION_MIN_IPHONEOS, "LC_VERSION_MIN_IPHONEOS", 16, 0, 0},
    {LCP_LC_FUNCTION_STARTS, "LC_FUNCTION_STARTS", 16, 0, 0},
    {LCP_LC_DYLD_ENVIRONMENT, "LC_DYLD_ENVIRONMENT", 12, 8, 0},
    {LCP_LC_MAIN, "LC_MAIN", 24, 0, 0},
    {LCP_LC_DATA_IN_CODE, "LC_DATA_IN_CODE", 16, 0, 0},
    {LCP_LC_SOURCE_VERSION, "LC_SOURCE_VERSION", 16, 0, 0},
    {LCP_LC_DYLIB_CODE_SIGN_DRS, "LC_DYLIB_CODE_SIGN_DRS", 16, 0, 0},
    {LCP_LC_ENCRYPTION_INFO_64, "LC_ENCRYPTION_INFO_64", 24, 0, 0},
    {LCP_LC_LINKER_OPTION, "LC_LINKER_OPTION", 12, 0, 0},
    {LCP_LC_LINKER_OPTIMIZATION_HINT, "LC_LINKER_OPTIMIZATION_HINT", 16, 0, 0},
    {LCP_LC_VERSION_MIN_TVOS, "LC_VERSION_MIN_TVOS", 16, 0, 0},
    {LCP_LC_VERSION_MIN_WATCHOS, "LC_VERSION_MIN_WATCHOS", 16, 0, 0},
    {LCP_LC_NOTE, "LC_NOTE", 40, 0, 0},
    {LCP_LC_BUILD_VERSION, "LC_BUILD_VERSION", 24, 0, 0},
    {LCP_LC_DYLD_EXPORTS_TRIE, "LC_DYLD_EXPORTS_TRIE", 16, 0, 0},
    {LCP_LC_DYLD_CHAINED_FIXUPS, "LC_DYLD_CHAINED_FIXUPS", 16, 0, 0},
    {LCP_LC_FILESET_ENTRY, "LC_FILESET_ENTRY", 32, 24, 0},
    {LCP_LC_ATOM_INFO, "LC_ATOM_INFO", 16, 0, 0},
    {LCP_LC_FUNCTION_VARIANTS, "LC_FUNCTION_VARIANTS", 16, 0, 0},
    {LCP_LC_FUNCTION_VARIANT_FIXUPS, "LC_FUNCTION_VARIANT_FIXUPS", 16, 0, 0},
    {LCP_LC_TARGET_TRIPLE, "LC_TARGET_TRIPLE", 12, 8, 0},
};

const lcp_lc_info *lcp_lc_lookup(uint32_t cmd) {
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].cmd == cmd)
            return &table[i];
    return NULL;
}

const char *lcp_lc_name(uint32_t cmd) {
    const lcp_lc_info *info = lcp_lc_lookup(cmd);
    return info ? info->name : NULL;
}

uint32_t lcp_lc_min_size(uint32_t cmd, bool is64) {
    (void)is64;
    const lcp_lc_info *info = lcp_lc_lookup(cmd);
    return info ? info->min_size : 8;
}
