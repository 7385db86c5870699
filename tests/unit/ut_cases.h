/*
 * ut_cases.h - table-driven tests that report every failing case, not only the first
 * (header-only; include after <cmocka.h>).
 *
 * cmocka's assert_* macros end the test at the first failure, which hides how many rows of a
 * case table are wrong. Here each check of a case prints what it got and wanted, named after
 * the case, and the test fails once at the end:
 *
 *   ut_cases uc = {0};
 *   for (size_t i = 0; i < n; i++) {
 *       UT_CASE(&uc, "case %zu: %s", i, cases[i].text);    // names the case in messages
 *       char *got = render(cases[i].input);
 *       UT_EXPECT_STR(&uc, got, cases[i].want);
 *       if (!UT_EXPECT_INT(&uc, rc, PK_OK)) continue;        // checks return 0 on failure
 *       UT_EXPECT(&uc, n > 0, "n = %zu", n);
 *   }
 *   ut_cases_done(&uc);  // fails the test when any case failed: "3 of 17 cases failed"
 */
#ifndef UT_CASES_H
#define UT_CASES_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

typedef struct ut_cases {
    char name[200];      /* the current case, for messages */
    size_t cases;        /* UT_CASE calls */
    size_t failed_cases; /* cases with at least one failed check */
    size_t failures;     /* failed checks */
    int current_failed;  /* the current case has failed a check */
} ut_cases;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void
ut_case(ut_cases *uc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(uc->name, sizeof uc->name, fmt, ap);
    va_end(ap);
    uc->cases++;
    uc->current_failed = 0;
}

/* Records a failed check of the current case and prints it (the detail is printf-formatted). */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static inline void
ut_case_failed(ut_cases *uc, const char *file, int line, const char *what, const char *fmt, ...) {
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    uc->failures++;
    if (!uc->current_failed) uc->failed_cases++;
    uc->current_failed = 1;
    print_error("%s:%d: FAILED %s: %s: %s\n", file, line, uc->name[0] ? uc->name : "(no case)",
                what, detail);
}

static inline int ut_expect_str(ut_cases *uc, const char *file, int line, const char *what,
                                const char *got, const char *want) {
    if (got && want && strcmp(got, want) == 0) return 1;
    if (!got && !want) return 1;
    ut_case_failed(uc, file, line, what, "got \"%s\", want \"%s\"", got ? got : "(null)",
                   want ? want : "(null)");
    return 0;
}

static inline int ut_expect_int(ut_cases *uc, const char *file, int line, const char *what,
                                long long got, long long want) {
    if (got == want) return 1;
    ut_case_failed(uc, file, line, what, "got %lld, want %lld", got, want);
    return 0;
}

/* Names the case the following checks belong to. */
#define UT_CASE(uc, ...) ut_case((uc), __VA_ARGS__)

/* Each returns 1 when the check holds, else 0 after recording and printing the failure. */
#define UT_EXPECT(uc, cond, ...)                                                                   \
    ((cond) ? 1 : (ut_case_failed((uc), __FILE__, __LINE__, #cond, __VA_ARGS__), 0))
#define UT_EXPECT_STR(uc, got, want) ut_expect_str((uc), __FILE__, __LINE__, #got, (got), (want))
#define UT_EXPECT_INT(uc, got, want)                                                               \
    ut_expect_int((uc), __FILE__, __LINE__, #got, (long long)(got), (long long)(want))

/* Ends the table: fails the test once when any case failed (each was printed above). */
static inline void ut_cases_done(const ut_cases *uc) {
    if (uc->failed_cases)
        fail_msg("%zu of %zu cases failed (%zu failed checks, each printed above)",
                 uc->failed_cases, uc->cases, uc->failures);
}

#endif /* UT_CASES_H */
