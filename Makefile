# lcpatch: non-recursive GNU Makefile.
#
#   make            ./lcpatch and liblcpatch.a (dev build: warnings are errors)
#   make check      every test, built with ASan+UBSan (installs what is missing)
#   make demo       the main job on a bundled legacy fixture
#   make install    PREFIX=/usr/local DESTDIR=
#   make format / format-check / fixtures / fuzz / bench / clean

CC        ?= cc
PREFIX    ?= /usr/local
DESTDIR   ?=
PKG_CONFIG ?= pkg-config
CLANG_FORMAT ?= clang-format

# Quiet by default; `make V=1` shows the commands.
Q := $(if $(V),,@)

WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Werror
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_DARWIN_C_SOURCE
# pkg-config is asked when a compile or a link first needs the flags, not
# when this file is read: on a machine without capstone, `make demo` and
# `make check` install it (deps) before anything asks. $(call lazy,VAR,CMD)
# defines VAR as CMD's output, run once, the first time VAR is expanded.
lazy = $(eval $(1) = $$(eval $(1) := $$$$(shell $(2)))$$($(1)))
$(call lazy,CAPSTONE_PC_CFLAGS,$(PKG_CONFIG) --cflags capstone 2>/dev/null)
$(call lazy,CAPSTONE_INCDIR,$(PKG_CONFIG) --variable=includedir capstone 2>/dev/null)
$(call lazy,CAPSTONE_LIBS,$(PKG_CONFIG) --libs capstone 2>/dev/null || echo -lcapstone)
# OpenSSL's libcrypto (code-signature hashes, CMS/X.509) and libarchive
# (check: the .zip, .jar and .pkg files the notary opens).
$(call lazy,CRYPTO_CFLAGS,$(PKG_CONFIG) --cflags libcrypto 2>/dev/null)
$(call lazy,CRYPTO_LIBS,$(PKG_CONFIG) --libs libcrypto 2>/dev/null || echo -lcrypto)
$(call lazy,ARCHIVE_CFLAGS,$(PKG_CONFIG) --cflags libarchive 2>/dev/null)
$(call lazy,ARCHIVE_LIBS,$(PKG_CONFIG) --libs libarchive 2>/dev/null || echo -larchive)
$(call lazy,CMOCKA_CFLAGS,$(PKG_CONFIG) --cflags cmocka 2>/dev/null)
$(call lazy,CMOCKA_LIBS,$(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
# Every source includes <capstone/capstone.h>. capstone.pc's includedir is
# .../include/capstone (Debian, Homebrew), whose parent a compiler does not
# always search (Apple clang and /opt/homebrew/include): add it, as a
# system folder (Capstone 4's header is not -Wpedantic clean).
CAPSTONE_CFLAGS = $(CAPSTONE_PC_CFLAGS) $(filter-out -isystem/usr/include,$(patsubst %/capstone,-isystem%,$(filter %/capstone,$(CAPSTONE_INCDIR))))
# What every link line of the library takes.
DEP_LIBS = $(CAPSTONE_LIBS) $(CRYPTO_LIBS) $(ARCHIVE_LIBS)
# The lcpatch binary does not link them: src/lazy/ opens each with dlopen
# the first time a command needs it (src/util/dynlib.h), by the soname of
# the headers' major version; where pkg-config says the library lives is
# the fallback for a prefix outside the loader's search path.
$(call lazy,CAPSTONE_LIBDIR,$(PKG_CONFIG) --variable=libdir capstone 2>/dev/null)
$(call lazy,CRYPTO_LIBDIR,$(PKG_CONFIG) --variable=libdir libcrypto 2>/dev/null)
$(call lazy,ARCHIVE_LIBDIR,$(PKG_CONFIG) --variable=libdir libarchive 2>/dev/null)
LAZY_CPPFLAGS = -DLCP_CAPSTONE_LIBDIR='"$(CAPSTONE_LIBDIR)"' -DLCP_CRYPTO_LIBDIR='"$(CRYPTO_LIBDIR)"' -DLCP_ARCHIVE_LIBDIR='"$(ARCHIVE_LIBDIR)"'
# dlopen is in libc since glibc 2.34 and on macOS; -ldl for older glibc.
LAZY_LIBS := $(if $(filter Linux,$(shell uname -s)),-ldl)
CPPFLAGS += -Iinclude -Isrc $(CAPSTONE_CFLAGS) $(CRYPTO_CFLAGS) $(ARCHIVE_CFLAGS)
CFLAGS   ?= -O2 -g
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
TSAN     := -fsanitize=thread -fno-omit-frame-pointer

LIB_SRCS := $(sort $(wildcard src/util/*.c src/format/*.c src/edit/*.c src/layout/*.c src/job/*.c src/audit/*.c src/disasm/*.c src/check/*.c))
CLI_SRCS := $(sort $(filter-out src/cli/main.c,$(wildcard src/cli/*.c src/compat/*.c)))
LAZY_SRCS := $(sort $(wildcard src/lazy/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))

.DEFAULT_GOAL := all

# Three build flavours share the sources: build/dev (the installed tool),
# build/asan (what `make check` tests) and build/tsan (ThreadSanitizer, for
# the audit's worker threads: tests/threads).
define flavour
$(1)_LIB_OBJS := $$(LIB_SRCS:%.c=build/$(1)/%.o)
$(1)_CLI_OBJS := $$(CLI_SRCS:%.c=build/$(1)/%.o)
$(1)_LAZY_OBJS := $$(LAZY_SRCS:%.c=build/$(1)/%.o)
build/$(1)/src/lazy/%.o: CPPFLAGS += $$(LAZY_CPPFLAGS)
build/$(1)/%.o: %.c | build-deps
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  CC      $$@")
	$$(Q)$$(CC) $$(CSTD) $$(CPPFLAGS) $$(CFLAGS) $(2) $$(WARN) -MMD -MP -c $$< -o $$@
build/$(1)/liblcpatch.a: $$($(1)_LIB_OBJS)
	@rm -f $$@
	$$(Q)$$(AR) rcs $$@ $$^
build/$(1)/libcli.a: $$($(1)_CLI_OBJS)
	@rm -f $$@
	$$(Q)$$(AR) rcs $$@ $$^
# The lazy objects come before liblcpatch.a: they define the gates, so the
# archive's util/dynlib_linked.o (the gates of a linked program) is not
# taken, and the stubs, so nothing is left for -lcapstone -lcrypto -larchive.
build/$(1)/lcpatch: build/$(1)/src/cli/main.o $$($(1)_LAZY_OBJS) build/$(1)/libcli.a build/$(1)/liblcpatch.a
	@$$(if $$(Q),echo "  LINK    $$@")
	$$(Q)$$(CC) $$(CFLAGS) $(2) -o $$@ $$^ $$(LAZY_LIBS) $$(LDFLAGS)
-include $$($(1)_LIB_OBJS:.o=.d) $$($(1)_CLI_OBJS:.o=.d) $$($(1)_LAZY_OBJS:.o=.d) build/$(1)/src/cli/main.d
endef
$(eval $(call flavour,dev,))
$(eval $(call flavour,asan,$(SAN)))
$(eval $(call flavour,tsan,$(TSAN)))

.PHONY: all check check-unit check-suites check-valgrind deps build-deps test-deps demo install format format-check fixtures fuzz fuzz-build bench clean
all: lcpatch liblcpatch.a

lcpatch: build/dev/lcpatch
	cp $< $@
liblcpatch.a: build/dev/liblcpatch.a
	cp $< $@

# Unit tests: one cmocka program per tests/unit/test_<module>.c.
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)
build/asan/tests/%: tests/unit/%.c build/asan/libcli.a build/asan/liblcpatch.a | test-deps
	@mkdir -p $(@D)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CSTD) $(CPPFLAGS) $(CMOCKA_CFLAGS) $(CFLAGS) $(SAN) -Wall -Wextra -Werror -Itests/unit -o $@ $^ $(CMOCKA_LIBS) $(DEP_LIBS)

# Fuzz harnesses (tests/fuzz/): `make fuzz` builds them with libFuzzer
# (clang-19); `make check` replays the seeds and every past finding through
# the same harnesses linked with a plain main (tests/fuzz/replay.c).
FUZZ_CC      ?= clang-19
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# One harness per tests/fuzz/fuzz_<name>.c; the Apple dialects' printers
# (src/compat) are linked in for the harnesses that drive them.
FUZZ_NAMES   := $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS    := $(FUZZ_NAMES:%=build/fuzz/bin/%)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=build/fuzz/%.o)
FUZZ_COMPAT_OBJS := $(patsubst %.c,build/fuzz/%.o,$(sort $(wildcard src/compat/*.c)))
FUZZ_REPLAY  := $(FUZZ_NAMES:%=build/asan/tests/%_replay)
FUZZ_REPLAY_DEV := $(FUZZ_NAMES:%=build/dev/tests/%_replay)
build/fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CSTD) $(CPPFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(WARN) -MMD -MP -c $< -o $@
# Header changes rebuild the objects (a stale struct size once showed up
# as a false stack-buffer-overflow in a harness).
-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_COMPAT_OBJS:.o=.d)
build/fuzz/liblcpatch.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^
build/fuzz/libcompat.a: $(FUZZ_COMPAT_OBJS)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^
build/fuzz/bin/%: tests/fuzz/%.c tests/fuzz/fuzz_common.h build/fuzz/libcompat.a build/fuzz/liblcpatch.a
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CSTD) $(CPPFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< build/fuzz/libcompat.a build/fuzz/liblcpatch.a $(DEP_LIBS)
build/asan/tests/%_replay: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz_common.h build/asan/libcli.a build/asan/liblcpatch.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) $(SAN) -o $@ $< tests/fuzz/replay.c build/asan/libcli.a build/asan/liblcpatch.a $(DEP_LIBS)
build/dev/tests/%_replay: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz_common.h build/dev/libcli.a build/dev/liblcpatch.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) -o $@ $< tests/fuzz/replay.c build/dev/libcli.a build/dev/liblcpatch.a $(DEP_LIBS)
fuzz-build: $(FUZZ_BINS)

# Fault injection (tests/faults/): an LD_PRELOAD shim that makes the Nth
# write/copy_file_range/fsync/fchmod/rename/open/mkstemp fail.
FAULT_SHIM := build/faults/libfault.so
$(FAULT_SHIM): tests/faults/fault.c
	@mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

# tests/lazylib: an LD_PRELOAD shim that makes dlopen of the optional
# libraries fail, as where they are not installed.
NOLIB_SHIM := build/lazylib/libnolib.so
$(NOLIB_SHIM): tests/lazylib/nolib.c
	@mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

# A minimal writer on the shared output path, for the fault suite.
build/%/tests/fault_writer: tests/faults/fault_writer.c build/%/libcli.a build/%/liblcpatch.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) $(if $(filter asan,$*),$(SAN)) $(WARN) -o $@ $^ $(DEP_LIBS)

# Test helpers every suite may use (built by check and check-valgrind).
CHECK_HELPERS := $(FUZZ_REPLAY) $(FAULT_SHIM) $(NOLIB_SHIM) build/asan/tests/fault_writer build/tsan/lcpatch

# deps installs what the build and every test use (apt-get as root, or
# says the command); build-deps and test-deps only check, before the first
# compile, and say what to install instead of a compiler error.
deps:
	@PKG_CONFIG="$(PKG_CONFIG)" sh scripts/deps.sh
build-deps:
	@PKG_CONFIG="$(PKG_CONFIG)" sh scripts/deps.sh --check build
test-deps:
	@PKG_CONFIG="$(PKG_CONFIG)" sh scripts/deps.sh --check test

check: deps
	@$(MAKE) --no-print-directory all build/asan/lcpatch $(UNIT_BINS) $(CHECK_HELPERS)
	@$(MAKE) --no-print-directory check-unit check-suites

check-unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)

# Every tests/<suite>/run.sh, run against the ASan+UBSan build.
check-suites: build/asan/lcpatch $(CHECK_HELPERS)
	@LCPATCH=$(CURDIR)/build/asan/lcpatch sh tests/run-suites.sh

# The suites again, with every lcpatch run under valgrind: LCPATCH is a
# wrapper script (tests/valgrind-wrapper.sh) around the non-ASan binary, and
# the fuzz replays use non-ASan builds. A valgrind error exits 99.
check-valgrind: all build/dev/lcpatch $(FUZZ_REPLAY_DEV) $(FAULT_SHIM) $(NOLIB_SHIM) build/dev/tests/fault_writer
	@command -v valgrind >/dev/null || { echo "check-valgrind: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
	@LCPATCH_REAL=$(CURDIR)/build/dev/lcpatch LCPATCH_VALGRIND=1 \
	    LCPATCH=$(CURDIR)/tests/valgrind-wrapper.sh sh tests/run-suites.sh

# demo and check build in a second make, started after deps: the flags
# pkg-config gives are those of what deps installed.
demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh ./lcpatch

fixtures:
	sh tests/binaries/build.sh

fuzz:
	@sh tests/fuzz/run.sh --fuzz $(or $(FUZZ_SECONDS),60)

bench: all
	@sh bench/run.sh ./lcpatch

# Apple's tools as links to lcpatch, for PATH=PREFIX/libexec/lcpatch/bin:$PATH
# (not in PREFIX/bin, where they would shadow Xcode's on a Mac).
TOOL_LINKS := vtool lipo codesign_allocate install_name_tool
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/lcpatch/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/lcpatch $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 lcpatch $(DESTDIR)$(PREFIX)/bin/lcpatch
	for t in $(TOOL_LINKS); do ln -sf ../../../bin/lcpatch $(DESTDIR)$(PREFIX)/libexec/lcpatch/bin/$$t || exit 1; done
	install -m 644 liblcpatch.a $(DESTDIR)$(PREFIX)/lib/liblcpatch.a
	install -m 644 include/lcpatch/*.h $(DESTDIR)$(PREFIX)/include/lcpatch/
	install -m 644 docs/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^#define LCPATCH_VERSION "\(.*\)"/\1/p' include/lcpatch/lcpatch.h)|g' \
	    lcpatch.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/lcpatch.pc

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	$(CLANG_FORMAT) -i $(FORMAT_FILES)
format-check:
	$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build lcpatch liblcpatch.a
