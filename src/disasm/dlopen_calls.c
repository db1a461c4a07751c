/* A call the dlopen scan reaches with known arguments: a loader's path
 * becomes a finding (an lcp_dlopen_call), a URL maker returns a tagged
 * URL, and a function passing its own argument on becomes a wrapper, a
 * target of the next pass. */
#include "disasm/dlopen_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void found(scan *s, uint64_t at, const target *t, uint64_t addr, bool bundle) {
    if (s->st != LCP_OK)
        return;
    char *p = dlp_string_at(s, addr);
    if (p == NULL)
        return;
    char *via = t->via ? strdup(t->via) : NULL;
    lcp_dlopen_call *c = s->calls;
    if (s->ncalls == s->cap_calls && (via || !t->via)) {
        size_t cap = s->cap_calls ? s->cap_calls * 2 : 16;
        c = realloc(s->calls, cap * sizeof *c);
        if (c != NULL) {
            s->calls = c;
            s->cap_calls = cap;
        }
    }
    if (c == NULL || (t->via && via == NULL)) {
        free(p);
        free(via);
        s->st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        return;
    }
    c[s->ncalls++] = (lcp_dlopen_call){at, t->function->name, p, bundle, via};
}

/* The function being decoded passes its own argument `param` (0-based) to
 * t's path argument: it is a wrapper, a target of the next pass (once). */
static void add_wrapper(scan *s, const target *t, unsigned param) {
    if (s->cur >= s->nfuncs || s->gen + 1 >= MAX_GEN)
        return;
    func *fn = &s->funcs[s->cur];
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->targets[i].addr == fn->addr && !s->targets[i].pointer)
            return;         /* already a target (or a loader's stub) */
    if (fn->name == NULL) { /* as disassemblers name a function without a symbol */
        char name[32];
        snprintf(name, sizeof name, "sub_%llx", (unsigned long long)fn->addr);
        fn->name = fn->owned = strdup(name);
    }
    if (fn->name == NULL || !dlp_add_target(s, (target){fn->addr, t->function, false, s->gen + 1, param, fn->name}))
        s->st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
}

/* A call at address `at` to t with arguments args[0..NARGS) (unknown when
 * not tracked): records what it loads; returns what it returns. */
val dlp_call_to(scan *s, uint64_t at, const target *t, const val *args) {
    const struct function *fn = t->function;
    val a1 = args[t->arg], a2 = args[1];
    uint64_t chars;
    switch (fn->role) {
    case LOADS_PATH:
        if (a1.known && !a1.url)
            found(s, at, t, a1.v, false);
        else if (a1.param)
            add_wrapper(s, t, a1.param - 1u);
        break;
    case MAKES_URL_CFSTRING:
        if (a2.known && !a2.url && dlp_cfstring_chars(s, a2.v, &chars))
            return (val){true, true, false, 0, chars};
        break;
    case MAKES_URL_CSTRING:
        if (a2.known && !a2.url)
            return (val){true, true, false, 0, a2.v};
        break;
    case LOADS_URL:
        if (a2.known && a2.url)
            found(s, at, t, a2.v, true);
        break;
    }
    return unknown;
}
