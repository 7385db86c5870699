package main

// The extension is registered with sqlite3_auto_extension, so every connection SQLite opens in
// this process afterwards -- dqlite's own connections on the leader and followers included --
// has pickle_ext's functions, which the registry's triggers call. It must happen before the
// node starts. The library is opened with dlopen (a loadable extension has no import library to
// link against) and its entry point handed to SQLite, which passes it SQLite's API table when it
// runs it for each new connection.

/*
#cgo LDFLAGS: -lsqlite3 -ldl
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdlib.h>

static const char *pkdq_auto_extension(const char *path) {
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) return dlerror();
    void *entry = dlsym(lib, "sqlite3_pickleext_init");
    if (!entry) return dlerror();
    int rc = sqlite3_auto_extension((void (*)(void))entry);
    return rc == SQLITE_OK ? NULL : sqlite3_errstr(rc);
}
*/
import "C"

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"
)

// registerExtension makes every SQLite connection opened from now on in this process load the
// extension at path (".so" may be left out, as in the sqlite3 shell's .load).
func registerExtension(path string) error {
	if path == "" {
		return fmt.Errorf("the extension's path is required (-ext dist/pickle_ext.so)")
	}
	if !strings.HasSuffix(path, ".so") {
		if _, err := os.Stat(path + ".so"); err == nil {
			path += ".so"
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("extension %s: %w", path, err)
	}
	cpath := C.CString(abs)
	defer C.free(unsafe.Pointer(cpath))
	if msg := C.pkdq_auto_extension(cpath); msg != nil {
		return fmt.Errorf("extension %s: %s", path, C.GoString(msg))
	}
	return nil
}
