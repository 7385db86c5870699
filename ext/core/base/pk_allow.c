/*
 * pk_allow.c - parsing and checking allowances (pk_allow.h).
 */
#include "pk_allow.h"

#include <stdio.h>
#include <string.h>

/* The globals an allowance can never name: a module (every name in it and its submodules) or
 * one "module.name". Each of them gives code execution, file or network access, or a way to reach
 * arbitrary attributes, when Python calls or imports it during unpickling. */
static const struct {
    const char *prefix;
    const char *why;
} forbidden[] = {
    {"builtins", "Python's builtins (eval, exec, compile, getattr, __import__, open)"},
    {"__builtin__", "Python's builtins (eval, exec, compile, getattr, __import__, open)"},
    {"os", "runs commands and touches files"},
    {"posix", "runs commands and touches files"},
    {"nt", "runs commands and touches files"},
    {"subprocess", "runs commands"},
    {"_posixsubprocess", "runs commands"},
    {"pty", "runs commands"},
    {"commands", "runs commands"},
    {"popen2", "runs commands"},
    {"platform", "runs commands"},
    {"multiprocessing", "runs code in other processes"},
    {"importlib", "imports arbitrary modules"},
    {"imp", "imports arbitrary modules"},
    {"pkgutil", "imports arbitrary modules"},
    {"zipimport", "imports arbitrary modules"},
    {"sys", "the interpreter's state (modules, hooks)"},
    {"pickle", "loads nested pickles"},
    {"_pickle", "loads nested pickles"},
    {"cPickle", "loads nested pickles"},
    {"marshal", "loads code objects"},
    {"shelve", "loads nested pickles"},
    {"dill", "loads nested pickles and code"},
    {"cloudpickle", "loads nested pickles and code"},
    {"joblib", "loads nested pickles and files"},
    {"copyreg", "reconstructs arbitrary objects"},
    {"copy_reg", "reconstructs arbitrary objects"},
    {"runpy", "runs code"},
    {"code", "runs code"},
    {"codeop", "compiles code"},
    {"types", "builds code and function objects"},
    {"ctypes", "calls native code"},
    {"_ctypes", "calls native code"},
    {"shutil", "touches files"},
    {"tempfile", "touches files"},
    {"pathlib", "touches files"},
    {"io", "opens files"},
    {"_io", "opens files"},
    {"mmap", "maps files"},
    {"fcntl", "touches file descriptors"},
    {"socket", "opens network connections"},
    {"_socket", "opens network connections"},
    {"ssl", "opens network connections"},
    {"http", "opens network connections"},
    {"urllib", "opens network connections"},
    {"ftplib", "opens network connections"},
    {"smtplib", "opens network connections"},
    {"telnetlib", "opens network connections"},
    {"xmlrpc", "opens network connections"},
    {"webbrowser", "runs commands"},
    {"asyncio", "runs commands and opens connections"},
    {"threading", "runs code in threads"},
    {"_thread", "runs code in threads"},
    {"signal", "the process's signal handlers"},
    {"functools", "partial/reduce: calls arbitrary callables"},
    {"operator", "attrgetter/methodcaller: reaches arbitrary attributes"},
    {"_operator", "attrgetter/methodcaller: reaches arbitrary attributes"},
    {"inspect", "reaches frames and code"},
    {"gc", "reaches every object"},
    {"pdb", "runs code"},
    {"bdb", "runs code"},
    {"timeit", "runs code"},
    {"trace", "runs code"},
    {"profile", "runs code"},
    {"cProfile", "runs code"},
    {"site", "runs code"},
    {"sysconfig", "the interpreter's configuration"},
    {"distutils", "runs commands"},
    {"setuptools", "runs commands"},
    {"pip", "installs packages"},
    {"numpy.load", "loads pickles"},
    {"numpy.lib.npyio", "loads pickles and files"},
    {"numpy.lib.format", "loads pickles"},
    {"numpy.fromfile", "reads files"},
    {"numpy.memmap", "maps files"},
    {"numpy.ctypeslib", "calls native code"},
    {"numpy.f2py", "runs commands"},
    {"numpy.distutils", "runs commands"},
    {"numpy.testing", "runs commands"},
    {"pandas.read_pickle", "loads pickles"},
    {"pandas.io", "reads files and pickles"},
    {"torch.load", "loads pickles"},
};

/* Names that are never allowed in any module: the builtins that run code or reach attributes
 * (a module may re-export them), and dunder names (__import__, __builtins__, __getattribute__). */
static const char *const forbidden_names[] = {
    "eval",  "exec",  "execfile", "compile", "getattr", "setattr", "delattr",    "open", "system",
    "popen", "spawn", "input",    "globals", "locals",  "vars",    "breakpoint", "load", "loads",
};

const char *pk_allow_forbidden(const char *module, const char *name) {
    char full[2 * PK_ALLOW_NAME];
    int len = snprintf(full, sizeof full, "%s.%s", module, name);
    if (len < 0 || (size_t)len >= sizeof full) return "a name too long to check";
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
        size_t k = strlen(forbidden[i].prefix);
        if (strncmp(full, forbidden[i].prefix, k) == 0 && (full[k] == '.' || full[k] == 0))
            return forbidden[i].why;
    }
    for (size_t i = 0; i < sizeof forbidden_names / sizeof forbidden_names[0]; i++)
        if (strcmp(name, forbidden_names[i]) == 0) return "a name that runs or loads code";
    size_t nl = strlen(name);
    if (nl >= 4 && name[0] == '_' && name[1] == '_' && name[nl - 1] == '_' && name[nl - 2] == '_')
        return "a dunder name (interpreter machinery)";
    return NULL;
}

static int ident_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int ident_char(char c) {
    return ident_start(c) || (c >= '0' && c <= '9');
}

/* 1 when s is two or more Python identifiers joined by '.'. */
static int dotted_name(const char *s, size_t n) {
    size_t parts = 0;
    size_t i = 0;
    while (i < n) {
        if (!ident_start(s[i])) return 0;
        while (i < n && ident_char(s[i]))
            i++;
        parts++;
        if (i < n) {
            if (s[i] != '.' || i + 1 == n) return 0;
            i++;
        }
    }
    return parts >= 2;
}

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

#define ALLOW_FORMAT "must be a JSON array of \"module.name\" strings, e.g. '[\"__main__.Scaler\"]'"

int pk_allow_parse(const char *json, size_t n, pk_allow *a, char *why, size_t whyn) {
    memset(a, 0, sizeof *a);
    const char *p = skip_ws(json, json + n), *end = json + n;
    if (p == end || *p != '[') {
        snprintf(why, whyn, "the allowance %s", ALLOW_FORMAT);
        return -1;
    }
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']') {
        snprintf(why, whyn, "the allowance is empty (leave it NULL to allow nothing)");
        return -1;
    }
    for (;;) {
        if (p == end || *p != '"') {
            snprintf(why, whyn, "the allowance %s (at byte %zu)", ALLOW_FORMAT, (size_t)(p - json));
            return -1;
        }
        const char *s = ++p;
        while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
            p++;
        if (p == end || *p != '"') {
            snprintf(why, whyn, "the allowance %s (entry %zu is not a plain string)", ALLOW_FORMAT,
                     a->n + 1);
            return -1;
        }
        size_t len = (size_t)(p - s);
        if (!dotted_name(s, len) || len >= PK_ALLOW_NAME) {
            snprintf(why, whyn,
                     "the allowance's entry %zu (\"%.*s\") is not a \"module.name\" "
                     "of Python identifiers",
                     a->n + 1, (int)(len > 80 ? 80 : len), s);
            return -1;
        }
        if (a->n == PK_ALLOW_MAX) {
            snprintf(why, whyn, "the allowance names more than %d globals", PK_ALLOW_MAX);
            return -1;
        }
        memcpy(a->names[a->n], s, len);
        a->names[a->n][len] = 0;
        a->dot[a->n] = (size_t)(strrchr(a->names[a->n], '.') - a->names[a->n]);
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->names[i], a->names[a->n]) == 0) {
                snprintf(why, whyn, "the allowance names %s twice", a->names[i]);
                return -1;
            }
        a->n++;
        p = skip_ws(p + 1, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == ']') {
            p = skip_ws(p + 1, end);
            break;
        }
        snprintf(why, whyn, "the allowance %s (at byte %zu)", ALLOW_FORMAT, (size_t)(p - json));
        return -1;
    }
    if (p != end) {
        snprintf(why, whyn, "the allowance %s (text after the array)", ALLOW_FORMAT);
        return -1;
    }
    /* every forbidden entry is named, with the rule of the first */
    size_t w = 0, bad = 0;
    const char *first_why = NULL;
    for (size_t i = 0; i < a->n && w + 1 < whyn; i++) {
        char module[PK_ALLOW_NAME];
        memcpy(module, a->names[i], a->dot[i]);
        module[a->dot[i]] = 0;
        const char *r = pk_allow_forbidden(module, a->names[i] + a->dot[i] + 1);
        if (!r) continue;
        if (!first_why) first_why = r;
        int k = snprintf(why + w, whyn - w, "%s%s", bad ? ", " : "", a->names[i]);
        if (k > 0) w += (size_t)k < whyn - w ? (size_t)k : whyn - w - 1;
        bad++;
    }
    if (bad) {
        if (w + 1 < whyn)
            snprintf(why + w, whyn - w,
                     " can never be allowed (%s%s): it gives code execution "
                     "when Python loads the pickle",
                     bad > 1 ? "e.g. " : "", first_why);
        return -1;
    }
    return 0;
}

int pk_allow_find(const pk_allow *a, const char *module, const char *name) {
    size_t ml = strlen(module);
    for (size_t i = 0; i < a->n; i++)
        if (a->dot[i] == ml && memcmp(a->names[i], module, ml) == 0 &&
            strcmp(a->names[i] + ml + 1, name) == 0)
            return (int)i;
    return -1;
}
