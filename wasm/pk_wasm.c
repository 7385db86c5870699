/*
 * pk_wasm.c - registers pickle_ext on every SQLite connection of the WebAssembly build.
 *
 * SQLite is compiled into the same module with -DSQLITE_EXTRA_INIT=pk_wasm_extra_init: the first
 * sqlite3_initialize() calls this function, which adds the extension's usual entry point
 * (sqlite3_pickleext_init, unchanged) to the automatic extensions, so every sqlite3_open_v2()
 * gets all of pickle_ext's functions, exactly as `.load pickle_ext` does natively.
 */
#include <sqlite3.h>

int sqlite3_pickleext_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);
int pk_wasm_extra_init(const char *unused);

/* sqlite3_auto_extension takes the entry point as a void(*)(void) (SQLite's documented
 * convention) and calls it with its real arguments; the union converts without a cast between
 * incompatible function pointer types. */
int pk_wasm_extra_init(const char *unused) {
    (void)unused;
    union {
        int (*init)(sqlite3 *, char **, const sqlite3_api_routines *);
        void (*any)(void);
    } entry;
    entry.init = sqlite3_pickleext_init;
    return sqlite3_auto_extension(entry.any);
}
