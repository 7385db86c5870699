/*
 * pk_native.h - model files that are not pickles, recognised by their first bytes.
 *
 * XGBoost's own files - Booster.save_model('m.json' | 'm.ubj') and save_raw('json' | 'ubj') -
 * begin with '{' (a JSON or UBJSON object), which no pickle does ('{' is no pickle opcode). Its
 * legacy binary format (save_raw() / save_model('m.bin') in 1.x) begins with "binf". Such bytes
 * decode to what unpickling them into Python would give a caller of xgboost: an object of class
 * xgboost.core.Booster whose state is {"handle": <the bytes>}, the same shape a pickled Booster
 * has, so model_* and the registry treat both alike.
 *
 * LightGBM's text model (Booster.save_model('m.txt'), model_to_string()) begins with the lines
 * "tree" and "version=..." ('t' is the TUPLE opcode, which needs a MARK first: no pickle starts
 * with it). It decodes to a lightgbm.basic.Booster whose state is {"_handle": <the text>} (str
 * when the text is UTF-8, else bytes), as LightGBM >= 4.0 pickles a Booster.
 *
 * Nothing is executed: the bytes are data.
 */
#ifndef PK_NATIVE_H
#define PK_NATIVE_H

#include "pk_doc.h"

/* 1 when buf[0..n) starts like an XGBoost model file. */
int pk_native_is_xgb(const uint8_t *buf, size_t n);

/* Sets doc->root to the Booster object over doc->stream (borrowed) and records the global. */
pk_code pk_native_xgb_root(pk_doc *doc, pk_err *err);

/* 1 when buf[0..n) starts like a LightGBM text model ("tree\nversion=", or with "\r\n"). */
int pk_native_is_lgbm(const uint8_t *buf, size_t n);

/* Sets doc->root to the lightgbm.basic.Booster holding doc->stream as its "_handle". */
pk_code pk_native_lgbm_root(pk_doc *doc, pk_err *err);

#endif /* PK_NATIVE_H */
