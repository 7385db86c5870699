-- pickle_dump, pickle_dump_agg, pickle_set, pickle_compress, pickle_decompress.
-- Byte-exact outputs are CPython 3.11's pickle.dumps of the same values.
.mode list
SELECT 'dump int', hex(pickle_dump(1));
SELECT 'dump str p4', hex(pickle_dump('abc'));
SELECT 'dump str p0', hex(pickle_dump('abc', 0));
SELECT 'dump float p1', hex(pickle_dump(1.5, 1));
SELECT 'dump null p2', hex(pickle_dump(NULL, 2));
SELECT 'dump blob p2', hex(pickle_dump(x'00ff', 2));
SELECT 'dump blob p3', hex(pickle_dump(x'00ff', 3));
SELECT 'dump big int p2', hex(pickle_dump(9223372036854775807, 2));
SELECT 'dump json', hex(pickle_dump(json('{"a":[1,true,null]}'), 2));
SELECT 'json back', pickle_json(pickle_dump(json('{"a":[1,2.5,null,true,"x"],"b":{"c":123456789012345678901234567890}}')));
SELECT 'text not json', pickle_json(pickle_dump('[1,2]'));
SELECT 'protocols', group_concat(pickle_json(pickle_dump(json('[1,"two",[3.5]]'), value)), ' ') FROM generate_series(0, 5);
SELECT 'agg', pickle_json(pickle_dump_agg(value)) FROM json_each('[1,"a",2.5,null]');
SELECT 'agg empty', hex(pickle_dump_agg(1)) FROM json_each('[]');
SELECT 'set', pickle_json(pickle_set(pickle_dump(json('{"n_jobs":1,"xs":[1,2,3]}')), '$.n_jobs', 4));
SELECT 'set index', pickle_json(pickle_set(pickle_dump(json('{"xs":[1,2,3]}')), '$.xs[-1]', 'last'));
SELECT 'set json', pickle_json(pickle_set(pickle_dump(json('{"xs":[1,2,3]}')), '$.xs', json('{"k":[]}')));
SELECT 'set new key', pickle_json(pickle_set(pickle_dump(json('{}')), '$["a b"]', x'01'));
SELECT 'set root', pickle_json(pickle_set(pickle_dump(1), '$', 'root'));
SELECT 'set null', pickle_set(NULL, '$', 1) IS NULL;
SELECT 'compress', hex(substr(pickle_compress(pickle_dump(json('[1,2,3]'))), 1, 4)), length(pickle_decompress(pickle_compress(zeroblob(100000))));
SELECT 'transparent', pickle_json(pickle_compress(pickle_dump(json('{"a":[1,2]}'))), '$.a');
SELECT 'set keeps zstd', hex(substr(pickle_set(pickle_compress(pickle_dump(json('{"a":1}'))), '$.a', 2), 1, 4));
SELECT 'decompress raw', hex(pickle_decompress(x'80024e2e'));
-- errors
SELECT pickle_dump(1, 9);
SELECT pickle_dump(CAST(x'ff' AS TEXT));
SELECT pickle_set(pickle_dump(json('[1]')), '$[3]', 1);
SELECT pickle_set(pickle_dump(json('[1]')), '$.a', 1);
SELECT pickle_set(pickle_dump(json('[1]')), 'x', 1);
SELECT pickle_set(x'80044b', '$', 1);
SELECT pickle_compress(x'00', 99);
SELECT pickle_decompress(x'28b52ffd0050010000');
SELECT pickle_decompress(substr(pickle_compress(zeroblob(1000)), 1, 12));
