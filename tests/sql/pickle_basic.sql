-- pickle_basic: each reading SQL function on small hand-written pickles (hex literals).
-- Protocol 2: {'a': [1, 2.5, None, True], 'b': 'héllo', 'c': b'\x00\xff'}
CREATE TABLE t(id INTEGER PRIMARY KEY, p BLOB);
INSERT INTO t VALUES (1, x'80027d71002858010000006171015d7102284b014740040000000000004e88655801000000627103580600000068c3a96c6c6f71045801000000637105635f636f646563730a656e636f64650a7106580300000000c3bf710758060000006c6174696e31710886710952710a752e');
-- Protocol 4 with a frame: [1, (2, 3), {4, 5}]
INSERT INTO t VALUES (2, x'80049515000000000000005d94284b014b024b0386948f94284b044b0590652e');
-- Protocol 0 text: (lp0\nI1\naF2.5\naS'py2'\naV\u20ac\na. -> [1, 2.5, 'py2', '€']
INSERT INTO t VALUES (3, x'286c70300a49310a6146322e350a615327707932270a61565c75323061630a612e');
.mode list
.nullvalue NULL
SELECT 'json', id, pickle_json(p) FROM t ORDER BY id;
SELECT 'get', pickle_get(p, '$.a[0]'), pickle_get(p, '$.a[1]'), pickle_get(p, '$.a[2]'),
       pickle_get(p, '$.a[3]'), pickle_get(p, '$.b'), hex(pickle_get(p, '$.c')) FROM t WHERE id = 1;
SELECT 'get-neg', pickle_get(p, '$.a[-1]'), pickle_get(p, '$["b"]') FROM t WHERE id = 1;
SELECT 'typeof', typeof(pickle_get(p, '$.a[0]')), typeof(pickle_get(p, '$.a[1]')),
       typeof(pickle_get(p, '$.a[2]')), typeof(pickle_get(p, '$.b')), typeof(pickle_get(p, '$.c'))
  FROM t WHERE id = 1;
SELECT 'container', pickle_get(p, '$.a'), json_valid(pickle_get(p, '$.a')) FROM t WHERE id = 1;
SELECT 'subtype', json_array(pickle_get(p, '$.a'), pickle_json(p, '$.b')) FROM t WHERE id = 1;
SELECT 'type', id, pickle_type(p), pickle_type(p, '$[1]') FROM t WHERE id IN (2, 3) ORDER BY id;
SELECT 'type1', pickle_type(p, '$.a'), pickle_type(p, '$.a[2]'), pickle_type(p, '$.a[3]'),
       pickle_type(p, '$.c') FROM t WHERE id = 1;
SELECT 'py2', pickle_get(p, '$[2]'), pickle_type(p, '$[2]'), pickle_get(p, '$[3]') FROM t WHERE id = 3;
SELECT 'valid', id, pickle_valid(p), pickle_error(p) FROM t ORDER BY id;
SELECT 'info', pickle_info(p) FROM t WHERE id = 1;
-- big int 2**70 (LONG1), NaN, -0.0, inf
SELECT 'bigint', pickle_get(x'80028a090000000000000000402e'), typeof(pickle_get(x'80028a090000000000000000402e'));
SELECT 'nan', pickle_get(x'8002477ff80000000000002e'), pickle_json(x'8002477ff80000000000002e');
SELECT 'negzero', pickle_json(x'80024780000000000000002e'), pickle_json(x'8002477ff00000000000002e');
-- strict JSON by default (SQLite's JSON functions read it); 'nan' keeps Python's tokens
SELECT 'strict', json_valid(pickle_json(x'80024780000000000000002e')), pickle_json(x'8002477ff00000000000002e') ->> '$', json_valid(pickle_json(x'8002477ff80000000000002e'));
SELECT 'nanmode', pickle_json(x'8002477ff80000000000002e', '$', 'nan'), pickle_json(x'8002477ff00000000000002e', '$', 'nan'), pickle_json(x'8002477ff00000000000002e', '$', 'strict');
SELECT 'badmode', pickle_json(x'8002477ff80000000000002e', '$', 'python');
SELECT 'none', pickle_get(x'4e2e') IS NULL, pickle_json(x'4e2e'), pickle_type(x'4e2e');
SELECT 'bool', pickle_get(x'882e'), pickle_json(x'892e'), pickle_type(x'4930310a2e'), pickle_json(x'4930300a2e');
-- an object: copyreg-free protocol 2 NEWOBJ of mod.C with state {'x': 1}
SELECT 'object', pickle_json(x'8002636d6f640a430a7100298171017d710258010000007871034b0173622e');
SELECT 'null', pickle_get(NULL), pickle_json(NULL), pickle_type(NULL), pickle_valid(NULL), pickle_error(NULL), pickle_info(NULL);
-- TEXT is read as its bytes: protocol 0 'I42\n.'
SELECT 'text', pickle_get('I42' || char(10) || '.');
-- pickle_each over the dict
SELECT 'each', key, CASE WHEN typeof(value) = 'blob' THEN hex(value) ELSE value END, type FROM t, pickle_each(t.p) WHERE t.id = 1;
SELECT 'version', pickle_ext_version() = (SELECT pickle_ext_version());
