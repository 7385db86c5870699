/*
 * sql_funcs.h - every SQL function implementation, registered from the one table in
 * pickle_ext.c. Grouped by the glue file that defines them.
 */
#ifndef SQL_FUNCS_H
#define SQL_FUNCS_H

#include "sql_util.h"

/* sql_pickle.c: reading pickles */
void pk_fn_get(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_json(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_type(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_info(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_valid(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_error(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* sql_each.c: the table-valued pickle_each / pickle_tree */
int pk_register_each(sqlite3 *db);

#endif /* SQL_FUNCS_H */
