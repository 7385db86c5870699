-- pickle_each / pickle_tree golden tests (tests/sql/each.sql).
-- Pickles are hex literals made by Debian's python3 (protocol 4 unless noted) from:
--   list    [1, 'two', 3.0, None, True]
--   dict    {'a': 1, 'b': [2, 3], 5: 'five', (1, 2): 'tuple'}
--   nested  {'x': {'y': {'z': [10, 20]}}}
--   basket  shop.models.Basket with __dict__ {'owner': 'ann', 'items': [('apple', 3), ('pear', 1)], 'total': 4.5}
--   tags    shop.models.Tags(list) ['a', 'b'] with color='red'
--   slotted shop.models.Slotted (__slots__ x=1, y=[2]), protocol 2
--   cycle   l = [1]; l.append(l)
--   big     [2**70, b'\x01\x02', complex(1, -1)]
--   arr     numpy.array([[1.5, 2.5], [3.5, 4.5]]); arr1 numpy.arange(3, dtype=int32)
--   od      OrderedDict([('k', 'v')]);  floats [nan, inf, -0.0, 1e16, 0.1]
.nullvalue NULL
.separator |
CREATE TABLE p(name TEXT PRIMARY KEY, blob BLOB);
INSERT INTO p VALUES('list', X'80049518000000000000005d94284b018c0374776f944740080000000000004e88652e');
INSERT INTO p VALUES('dict', X'8004952e000000000000007d94288c0161944b018c0162945d94284b024b03654b058c0466697665944b014b0286948c057475706c6594752e');
INSERT INTO p VALUES('nested', X'8004951e000000000000007d948c0178947d948c0179947d948c017a945d94284b0a4b14657373732e');
INSERT INTO p VALUES('basket', X'80049564000000000000008c0b73686f702e6d6f64656c73948c064261736b65749493942981947d94288c056f776e6572948c03616e6e948c056974656d73945d94288c056170706c65944b0386948c0470656172944b018694658c05746f74616c9447401200000000000075622e');
INSERT INTO p VALUES('tags', X'80049537000000000000008c0b73686f702e6d6f64656c73948c0454616773949394298194288c0161948c016294657d948c05636f6c6f72948c037265649473622e');
INSERT INTO p VALUES('slotted', X'80026373686f702e6d6f64656c730a536c6f747465640a7100298171014e7d71022858010000007871034b0158010000007971045d71054b026175867106622e');
INSERT INTO p VALUES('cycle', X'80049509000000000000005d94284b016800652e');
INSERT INTO p VALUES('set', X'80049507000000000000008f94284b07902e');
INSERT INTO p VALUES('scalar', X'80044b2a2e');
INSERT INTO p VALUES('big', X'80049542000000000000005d94288a0900000000000000004043020102948c086275696c74696e73948c07636f6d706c6578949394473ff000000000000047bff000000000000086945294652e');
INSERT INTO p VALUES('arr', X'800495aa000000000000008c156e756d70792e636f72652e6d756c74696172726179948c0c5f7265636f6e7374727563749493948c056e756d7079948c076e6461727261799493944b0085944301629487945294284b014b024b02869468038c0564747970659493948c02663894898887945294284b038c013c944e4e4e4affffffff4affffffff4b00749462894320000000000000f83f00000000000004400000000000000c400000000000001240947494622e');
INSERT INTO p VALUES('arr1', X'80049594000000000000008c156e756d70792e636f72652e6d756c74696172726179948c0c5f7265636f6e7374727563749493948c056e756d7079948c076e6461727261799493944b0085944301629487945294284b014b03859468038c0564747970659493948c02693494898887945294284b038c013c944e4e4e4affffffff4affffffff4b0074946289430c000000000100000002000000947494622e');
INSERT INTO p VALUES('od', X'8004952b000000000000008c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c016b948c017694732e');
INSERT INTO p VALUES('floats', X'80049532000000000000005d9428477ff8000000000000477ff0000000000000478000000000000000474341c37937e08000473fb999999999999a652e');

SELECT '-- each: list';
SELECT key, quote(value), type, quote(atom), id, quote(parent), fullkey, path FROM pickle_each((SELECT blob FROM p WHERE name = 'list'));
SELECT '-- each: dict (str, int and tuple keys)';
SELECT quote(key), value, type, fullkey, path FROM pickle_each((SELECT blob FROM p WHERE name = 'dict'));
SELECT '-- each with a path';
SELECT key, value, type, fullkey, path FROM pickle_each((SELECT blob FROM p WHERE name = 'nested'), '$.x.y.z');
SELECT key, value, fullkey FROM pickle_each((SELECT blob FROM p WHERE name = 'dict'), '$.b');
SELECT '-- each on a scalar: one row, itself';
SELECT quote(key), value, type, quote(atom), id, fullkey, path FROM pickle_each(X'80044b2a2e');
SELECT quote(key), value, type, fullkey, path FROM pickle_each((SELECT blob FROM p WHERE name = 'nested'), '$.x.y.z[1]');
SELECT '-- tree: nested';
SELECT quote(key), value, type, id, quote(parent), fullkey, path FROM pickle_tree((SELECT blob FROM p WHERE name = 'nested'));
SELECT '-- tree with a path: the first row reports its key';
SELECT quote(key), value, id, quote(parent), fullkey, path FROM pickle_tree((SELECT blob FROM p WHERE name = 'nested'), '$.x.y');
SELECT quote(key), value, id, quote(parent), fullkey, path FROM pickle_tree((SELECT blob FROM p WHERE name = 'dict'), '$.b[1]');
SELECT '-- objects: state entries, py/items';
SELECT key, value, type, fullkey FROM pickle_each((SELECT blob FROM p WHERE name = 'basket'));
SELECT quote(key), value, type, fullkey, path FROM pickle_tree((SELECT blob FROM p WHERE name = 'basket')) WHERE atom IS NOT NULL;
SELECT key, value, type, fullkey FROM pickle_each((SELECT blob FROM p WHERE name = 'tags'));
SELECT key, value, fullkey FROM pickle_tree((SELECT blob FROM p WHERE name = 'tags')) WHERE id > 0;
SELECT key, value, type, fullkey FROM pickle_each((SELECT blob FROM p WHERE name = 'slotted'));
SELECT '-- every fullkey evaluates with pickle_get / pickle_type';
SELECT count(*), sum(pickle_type(b.blob, t.fullkey) = t.type) FROM p AS b, pickle_tree(b.blob) AS t WHERE b.name IN ('list', 'nested', 'basket', 'tags', 'slotted', 'big', 'arr', 'od', 'floats');
SELECT count(*) FROM p AS b, pickle_tree(b.blob) AS t WHERE b.name IN ('list', 'nested', 'basket', 'tags', 'slotted', 'arr', 'arr1') AND t.atom IS NOT NULL AND pickle_get(b.blob, t.fullkey) IS NOT t.atom;
SELECT '-- cycles are listed, not entered';
SELECT quote(key), value, type, id, quote(parent), fullkey FROM pickle_tree((SELECT blob FROM p WHERE name = 'cycle'));
SELECT '-- sets, big ints, bytes, complex, OrderedDict, floats';
SELECT key, value, type FROM pickle_each((SELECT blob FROM p WHERE name = 'set'));
SELECT key, quote(value), typeof(value), type, quote(atom) FROM pickle_each((SELECT blob FROM p WHERE name = 'big'));
SELECT key, value, type, fullkey FROM pickle_each((SELECT blob FROM p WHERE name = 'od'));
SELECT key, quote(value), quote(atom), type FROM pickle_each((SELECT blob FROM p WHERE name = 'floats'));
SELECT '-- numpy: the first axis';
SELECT key, value, type, quote(atom), fullkey FROM pickle_each((SELECT blob FROM p WHERE name = 'arr'));
SELECT key, value, type, fullkey, path FROM pickle_tree((SELECT blob FROM p WHERE name = 'arr'));
SELECT key, value, typeof(value), type FROM pickle_each((SELECT blob FROM p WHERE name = 'arr1'));
SELECT sum(value) FROM pickle_each((SELECT blob FROM p WHERE name = 'arr'), '$[1]');
SELECT '-- value of containers is JSON (usable with json functions)';
SELECT key, json_type(value), json_array_length(value) FROM pickle_each((SELECT blob FROM p WHERE name = 'dict')) WHERE key = 'b';
SELECT '-- joins and hidden columns';
SELECT p.name, count(*) FROM p, pickle_each(p.blob) GROUP BY p.name ORDER BY p.name;
SELECT quote(pickle), root FROM pickle_each(X'80044b2a2e', '$');
SELECT key FROM pickle_each WHERE pickle = (SELECT blob FROM p WHERE name = 'list') AND root = '$' AND id = 2;
SELECT '-- NULL in: no rows';
SELECT count(*) FROM pickle_each(NULL);
SELECT count(*) FROM pickle_tree(NULL);
SELECT count(*) FROM pickle_each(X'80044b2a2e', NULL);
SELECT '-- errors';
SELECT * FROM pickle_each((SELECT blob FROM p WHERE name = 'list'), '$[9]');
SELECT * FROM pickle_tree((SELECT blob FROM p WHERE name = 'basket'), '$.coef_');
SELECT * FROM pickle_each((SELECT blob FROM p WHERE name = 'list'), '$.a[1x');
SELECT * FROM pickle_each(X'8004');
SELECT * FROM pickle_each(X'80044b2a');
SELECT * FROM pickle_each(12);
SELECT * FROM pickle_each();
SELECT * FROM pickle_tree;
SELECT '-- pickle_json / pickle_info of the same values (the mapping pickle_each walks)';
SELECT name, pickle_json(blob) FROM p ORDER BY name;
SELECT pickle_json((SELECT blob FROM p WHERE name = 'basket'), '$.items[1]');
SELECT pickle_info((SELECT blob FROM p WHERE name = 'basket'));
SELECT pickle_info((SELECT blob FROM p WHERE name = 'slotted'));
SELECT 'done';
