/*
 * sql_verdict.h - the SQL layer's wording of the catalogue's verdict on a pickle's globals, and
 * the model_supported() virtual table (sql_verdict.c).
 */
#ifndef SQL_VERDICT_H
#define SQL_VERDICT_H

#include "sql_util.h"

struct pk_buf;

/* NULL when every global of doc is known (a catalogue row or a name the decoder interprets as
 * data) and no call was judged unsafe for its arguments (pk_verdict.h); else the refusal appended
 * to b, and b's whole text is returned: "names code that could run in Python: os.system,
 * builtins.eval (not known library classes)", and/or "makes calls Python would not run safely:
 * builtins.bytearray (<the verdict's reason>)" (at most 5 globals named in all, then "and N
 * more"). */
const char *pk_sql_refusal(const pk_doc *doc, struct pk_buf *b);

/* pk_sql_refusal, except that globals outside the catalogue named by `allow` (when not NULL) are
 * accepted; each entry that matched is marked in allow->used. Calls judged unsafe for their
 * arguments are refused whatever the allowance. */
struct pk_allow;
const char *pk_sql_refusal_allow(const pk_doc *doc, struct pk_buf *b, struct pk_allow *allow);

/* Appends ',"supported":0|1,"reason":"..."}' to out (the end of ml_pickle_meta's JSON): whether
 * doc's root compiles into a scorable model, and in one line why not ("sklearn.svm._classes.SVC
 * cannot be scored yet (see model_supported())") or what it scores ("LogisticRegression scores
 * predict, predict_proba, decision_function"). PK_ENOMEM when compiling ran out of memory. */
pk_code pk_sql_support_json(struct pk_buf *out, const pk_doc *doc);

/* Registers the eponymous virtual table model_supported. */
int pk_register_supported(sqlite3 *db);

#endif /* SQL_VERDICT_H */
