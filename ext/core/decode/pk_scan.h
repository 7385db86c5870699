/*
 * pk_scan.h - the second reading of a joblib stream: what plain pickle.loads would import.
 *
 * joblib.load and pickle.loads read the same bytes differently once a NumpyArrayWrapper has been
 * built: joblib reads the array's raw bytes (or a nested pickle for object arrays) from the
 * stream, pickle.loads goes on reading those bytes as opcodes. The first run of the unpickler
 * (pk_vm.c) follows joblib; pk_scan_plain reads the stream again as CPython's C unpickler does
 * and adds what that reading imports and calls to the verdict. See pk_scan.c and
 * docs/security.md.
 */
#ifndef PK_SCAN_H
#define PK_SCAN_H

#include "pk_doc.h"

/* Reads doc->stream with plain-pickle semantics, recording globals and unsafe calls in doc.
 * Called after the first (joblib) reading when doc->plain_diverge is set. Fails only when out
 * of memory. */
pk_code pk_scan_plain(pk_doc *doc, pk_err *err);

#endif /* PK_SCAN_H */
