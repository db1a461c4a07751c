/* Capstone, opened on first use (loader.h): the functions src/disasm calls.
 *
 * The file opened is the major version of the headers lcpatch was compiled
 * with (CS_API_MAJOR: libcapstone.so.4 for Debian 12's libcapstone-dev):
 * Capstone's structures and register numbers change between majors. */
#include <capstone/capstone.h>

#include "lazy/loader.h"
#include "util/dynlib.h"

/* where pkg-config put it (the Makefile says) */
#ifndef LCP_CAPSTONE_LIBDIR
#define LCP_CAPSTONE_LIBDIR "/usr/local/lib"
#endif

#define CS_MAJOR LCP_LAZY_STR(CS_API_MAJOR)
#ifdef __APPLE__
#define CS_FILE "libcapstone." CS_MAJOR ".dylib"
/* Homebrew (Apple silicon, then Intel), then the build's pkg-config libdir */
#define CS_FILES                                                                                                       \
    {                                                                                                                  \
        "/opt/homebrew/opt/capstone/lib/" CS_FILE, "/usr/local/opt/capstone/lib/" CS_FILE,                             \
            LCP_CAPSTONE_LIBDIR "/" CS_FILE, NULL                                                                      \
    }
#define CS_INSTALL "brew install capstone"
#else
#define CS_FILE "libcapstone.so." CS_MAJOR
/* the loader's search path, then the build's pkg-config libdir */
#define CS_FILES                                                                                                       \
    { CS_FILE, LCP_CAPSTONE_LIBDIR "/" CS_FILE, NULL }
#define CS_INSTALL "apt-get install libcapstone" CS_MAJOR
#endif

#define CAPSTONE_FUNCTIONS(X, XV)                                                                                      \
    X(cs_err, cs_open, (cs_arch arch, cs_mode mode, csh * handle), (arch, mode, handle))                               \
    X(cs_err, cs_close, (csh * handle), (handle))                                                                      \
    X(cs_err, cs_option, (csh handle, cs_opt_type type, size_t value), (handle, type, value))                          \
    X(size_t, cs_disasm,                                                                                               \
      (csh handle, const uint8_t *code, size_t size, uint64_t address, size_t count, cs_insn **insn),                  \
      (handle, code, size, address, count, insn))                                                                      \
    X(bool, cs_disasm_iter, (csh handle, const uint8_t **code, size_t *size, uint64_t *address, cs_insn *insn),        \
      (handle, code, size, address, insn))                                                                             \
    X(cs_insn *, cs_malloc, (csh handle), (handle))                                                                    \
    XV(void, cs_free, (cs_insn * insn, size_t count), (insn, count))                                                   \
    X(const char *, cs_reg_name, (csh handle, unsigned int reg_id), (handle, reg_id))                                  \
    X(cs_err, cs_regs_access,                                                                                          \
      (csh handle, const cs_insn *insn, cs_regs regs_read, uint8_t *regs_read_count, cs_regs regs_write,               \
       uint8_t *regs_write_count),                                                                                     \
      (handle, insn, regs_read, regs_read_count, regs_write, regs_write_count))                                        \
    X(unsigned int, cs_version, (int *major, int *minor), (major, minor))

LCP_LAZY_LIBRARY(CAPSTONE_FUNCTIONS, "capstone", CS_INSTALL, CS_FILES)

lcp_status lcp_need_capstone(lcp_error *err) { return lcp_lazy_need(&lcp_lazy_this, err); }
