/*
 * sql_funcs.h - every SQL function implementation, registered from the one table in
 * pickle_ext.c. Grouped by the glue file that defines them.
 */
#ifndef SQL_FUNCS_H
#define SQL_FUNCS_H

#include "sql_util.h"

#include "pk_buf.h"
#include "pk_model.h"

/* sql_pickle.c: reading pickles */
void pk_fn_get(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_json(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_type(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_info(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_valid(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_error(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* sql_limits.c: pickle_ext_limit(name [, value]) */
void pk_fn_limit(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* sql_registry.c: the model registry (schema sql/registry.sql) and its trigger helpers */
void pk_fn_ml_registry_sql(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_ml_registry_init(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_ml_pickle_meta(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_ml_check_name(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_ml_check_alias(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_ml_error(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_ml_now(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_pickle_sha256(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* sql_resolve.c: registry references */
void pk_fn_ml_resolve(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* sql_events.c: the ml_events writer and the alias triggers' memory */
void pk_fn_ml_log(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_ml_log_guard(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_ml_alias_prev(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* sql_model.c: scoring with compiled scikit-learn models (registered with conn = 1) */
void pk_fn_model_predict(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_model_predict_proba(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_model_transform(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_model_decision_function(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_model_info(sqlite3_context *ctx, int argc, sqlite3_value **argv);
/* the same for pickle BLOBs only (never the registry): deterministic and innocuous */
void pk_fn_pickle_predict(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_pickle_predict_proba(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_model_proba(sqlite3_context *ctx, int argc, sqlite3_value **argv);
/* model_score_handle(m): the connection's compiled model as a pointer value (NULL to SQL), for
 * model_score's block path; pk_sql_entry_hold takes a reference from that value (NULL when it is
 * not one), pk_sql_entry_release drops it. pk_sql_result_out sets a scoring result as
 * model_predict & co. do (out: the method's values; text: a reused buffer for JSON). */
void pk_fn_model_score_handle(sqlite3_context *ctx, int argc, sqlite3_value **argv);
struct mc_entry;
struct mc_entry *pk_sql_entry_hold(sqlite3_value *v);
void pk_sql_entry_release(struct mc_entry *e);
const pk_model *pk_sql_entry_model(const struct mc_entry *e);
void pk_sql_result_out(sqlite3_context *ctx, const pk_model *m, pk_method meth, const double *out,
                       pk_buf *text);
void pk_fn_model_predict_proba_blob(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_pickle_proba(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_pickle_predict_proba_blob(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_pickle_transform(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_pickle_decision_function(sqlite3_context *ctx, int argc, sqlite3_value **argv);
/* model_score(model, source): the table-valued function of sql_score.c. */
int pk_register_score(sqlite3 *db);
void pk_fn_model_inverse_transform(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_pickle_inverse_transform(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_pickle_model_info(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* sql_write.c: writing pickles, zstd */
void pk_fn_dump(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_dump_agg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_dump_agg_final(sqlite3_context *ctx);
void pk_fn_set(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_compress(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void pk_fn_decompress(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* sql_each.c: the table-valued pickle_each / pickle_tree */
int pk_register_each(sqlite3 *db, pk_conn_state *st);

#endif /* SQL_FUNCS_H */
