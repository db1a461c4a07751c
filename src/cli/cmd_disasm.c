/* lcpatch disasm: symbolised disassembly of a symbol, the entry point, a
 * section or an address range (like `otool -tV`). */
#include "cli/cli.h"
#include "cli/options.h"
#include "cli/commands.h"
#include "lcpatch/disasm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char disasm_help[] = "usage: lcpatch disasm [--arch A] [--symbol NAME | --entry | --section SEG,SECT |\n"
                                  "                      --address A] [--count N] FILE\n"
                                  "\n"
                                  "Disassembles code of every slice (or of --arch A) with Capstone, symbolised\n"
                                  "from the symbol table and the stub and pointer sections: a call through a\n"
                                  "stub reads `_dlopen`, not an address. Architectures: x86_64, i386, arm64\n"
                                  "(arm64e), armv6/armv7 (ARM and Thumb), ppc, ppc64.\n"
                                  "\n"
                                  "On 32-bit ARM an entry point or address with its low bit set is Thumb\n"
                                  "code at the even address (as dyld reads it), whatever the symbols say.\n"
                                  "\n"
                                  "Only the bytes of the range asked for are read. Exit status: 0 done,\n"
                                  "2 usage error, 3 the input failed or the symbol, section or address is\n"
                                  "not there.\n";

struct disasm_opts {
    lcp_disasm_target t;
    char segname[17], sectname[17]; /* t's */
    size_t count;
    bool have_arch;
    uint32_t cputype, cpusubtype;
    const char *arch_name;
};

struct print_ctx {
    bool is64;
    const char *comment_prefix;
};

static int print_insn(void *ctx_, const lcp_insn *in) {
    const struct print_ctx *pc = ctx_;
    if (in->label)
        printf("%s:\n", in->label);
    if (pc->is64)
        printf("%016" PRIx64 "\t%s", in->addr, in->mnemonic);
    else
        printf("%08" PRIx64 "\t%s", in->addr, in->mnemonic);
    if (in->operands[0])
        printf("\t%s", in->operands);
    if (in->comment[0])
        printf("\t%s %s", pc->comment_prefix, in->comment);
    putchar('\n');
    return 0;
}

struct run_ctx {
    const struct disasm_opts *o;
    int status;
    size_t matched;
};

/* Picks the range of one image and disassembles it. */
static int disasm_image(void *ctx_, lcp_file *f, size_t slice_index, lcp_member *member, lcp_image *img) {
    struct run_ctx *rc = ctx_;
    const struct disasm_opts *o = rc->o;
    if (o->have_arch) {
        /* A family name (ppc, i386, x86_64, arm64, arm: the ALL subtype)
         * takes any subtype; ppc7400, arm64e, armv7... only their own. */
        uint32_t all = (o->cputype & ~LCP_CPU_ARCH_ABI64) == LCP_CPU_TYPE_X86 ? 3u : 0u;
        bool exact = (o->cpusubtype & ~LCP_CPU_SUBTYPE_MASK) != all;
        if (img->cputype != o->cputype ||
            (exact && !lcp_arch_matches(img->cputype, img->cpusubtype, o->cputype, o->cpusubtype)))
            return 0;
    }
    rc->matched++;
    char label[1200];
    lcp_cli_image_label(f, slice_index, member, img, label, sizeof label);
    lcp_error err;
    lcp_symtab *syms = NULL;
    lcp_disasm *d = NULL;
    lcp_status st = lcp_symtab_load(&f->src, img, &syms, &err);
    if (!st)
        st = lcp_disasm_new(img, syms, &d, &err);
    uint64_t start = 0, len = 0;
    size_t count = o->count;
    if (!st)
        st = lcp_disasm_find(d, syms, img, &o->t, &start, &len, &count, &err);
    if (!st) {
        printf("%s:\n", label);
        if (o->t.from == LCP_DISASM_SECTION)
            printf("(%s,%s) section\n", o->segname, o->sectname);
        struct print_ctx pc = {img->is64 || img->cputype == LCP_CPU_TYPE_X86_64,
                               img->cputype == LCP_CPU_TYPE_X86 || img->cputype == LCP_CPU_TYPE_X86_64 ? "##" : ";"};
        st = lcp_disasm_range(d, &f->src, start, len, count, print_insn, &pc, NULL, &err);
    }
    if (st) {
        lcp_error_prefix(&err, "%s", label);
        rc->status = lcp_cli_worse(rc->status, lcp_cli_fail(&err));
    }
    lcp_disasm_free(d);
    lcp_symtab_free(syms);
    return 0;
}

static bool parse_u64(const char *s, uint64_t *out) {
    if (s == NULL || *s == '\0' || *s == '-')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

int cmd_disasm(int argc, char **argv) {
    struct disasm_opts o;
    memset(&o, 0, sizeof o);
    o.t.from = LCP_DISASM_SECTION;
    o.t.segname = o.segname;
    o.t.sectname = o.sectname;
    strcpy(o.segname, "__TEXT");
    strcpy(o.sectname, "__text");
    enum { OPT_ARCH = 1, OPT_SYMBOL, OPT_ENTRY, OPT_SECTION, OPT_ADDRESS, OPT_COUNT };
    static const lcp_opt_spec specs[] = {
        {OPT_ARCH, "--arch", 0, LCP_OPT_ARCH, 0, "A", "only the slice of architecture A", 0, 0},
        {OPT_SYMBOL, "--symbol", 0, LCP_OPT_STRING, 0, "NAME", "the function NAME (`main` also finds `_main`)", 0, 0},
        {OPT_ENTRY, "--entry", 0, LCP_OPT_FLAG, 0, NULL, "from the entry point (LC_MAIN or the thread\nstate's pc)", 0,
         0},
        {OPT_SECTION, "--section", 0, LCP_OPT_STRING, 0, "SEG,SECT", "a whole section (default: __TEXT,__text)", 0, 0},
        {OPT_ADDRESS, "--address", 0, LCP_OPT_STRING, 0, "A",
         "from address A (hex with 0x) to the end of its\nsymbol, or 64 instructions when no symbol holds it", 0, 0},
        {OPT_COUNT, "--count", 0, LCP_OPT_STRING, 0, "N", "stop after N instructions", 0, 0},
    };
    static const lcp_opt_command cmd = {"disasm", disasm_help, specs, LCP_OPT_COUNT(specs), 0};
    lcp_opts op;
    lcp_opts_begin(&op, &cmd, argc, argv);
    int nsel = 0, id;
    while ((id = lcp_opts_next(&op)) > 0) {
        const char *v = op.value;
        if (id == OPT_ARCH) {
            o.cputype = op.cputype;
            o.cpusubtype = op.cpusubtype;
            o.have_arch = true;
            o.arch_name = v;
        } else if (id == OPT_ENTRY) {
            o.t.from = LCP_DISASM_ENTRY;
            nsel++;
        } else if (id == OPT_SYMBOL) {
            o.t.from = LCP_DISASM_SYMBOL;
            o.t.symbol = v;
            nsel++;
        } else if (id == OPT_SECTION) {
            const char *comma = strchr(v, ',');
            if (comma == NULL || comma == v || comma[1] == '\0' || (size_t)(comma - v) > 16 || strlen(comma + 1) > 16)
                return lcp_cli_usage_error("disasm", "--section wants SEGMENT,SECTION (each up to 16 characters)");
            memcpy(o.segname, v, (size_t)(comma - v));
            o.segname[comma - v] = '\0';
            strcpy(o.sectname, comma + 1);
            o.t.from = LCP_DISASM_SECTION;
            nsel++;
        } else if (id == OPT_ADDRESS) {
            if (!parse_u64(v, &o.t.address))
                return lcp_cli_usage_error("disasm", "bad address '%s'", v);
            o.t.from = LCP_DISASM_ADDRESS;
            nsel++;
        } else {
            uint64_t n;
            if (!parse_u64(v, &n) || n == 0 || n > SIZE_MAX)
                return lcp_cli_usage_error("disasm", "bad count '%s'", v);
            o.count = (size_t)n;
        }
    }
    if (op.status >= 0)
        return op.status;
    int first = op.first;
    if (nsel > 1)
        return lcp_cli_usage_error("disasm", "give one of --symbol, --entry, --section, --address");
    if (first >= argc)
        return lcp_cli_usage_error("disasm", "no file given");
    if (first + 1 < argc)
        return lcp_cli_usage_error("disasm", "one file at a time");
    lcp_file *f;
    lcp_error err;
    if (lcp_file_open(argv[first], &f, &err) != LCP_OK)
        return lcp_cli_fail(&err);
    struct run_ctx rc = {&o, LCP_EXIT_OK, 0};
    lcp_file_visit_images(f, disasm_image, &rc);
    if (rc.matched == 0) {
        lcp_error_set(&err, LCP_E_NOTFOUND, LCP_NO_OFFSET, "%s: no %s slice", f->path,
                      o.have_arch ? o.arch_name : "Mach-O");
        rc.status = lcp_cli_fail(&err);
    }
    lcp_file_free(f);
    return rc.status;
}
