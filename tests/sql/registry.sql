-- registry.sql - the registry's rules through plain SQL: schema creation, registration and the
-- derived columns, version numbering with deletes, immutability, soft deletes, unsafe and broken
-- pickles, names, direct inserts into ml_versions, tags.
.mode list
.headers off
CREATE TEMP TABLE ml_clock(now TEXT);
INSERT INTO ml_clock VALUES ('2026-03-01T09:00:00.000Z');
CREATE TEMP TABLE pk(k TEXT PRIMARY KEY, v BLOB);
-- pickle.dumps({'model': 'churn', 'coef': [...], 'threshold': ...}, protocol=2), three variants
INSERT INTO pk VALUES
 ('v1', x'80027d71002858050000006d6f64656c71015805000000636875726e71025804000000636f656671035d710428473fe000000000000047bff40000000000006558090000007468726573686f6c647105473fe0000000000000752e'),
 ('v2', x'80027d71002858050000006d6f64656c71015805000000636875726e71025804000000636f656671035d710428473fe800000000000047bff00000000000006558090000007468726573686f6c647105473fd999999999999a752e'),
 ('v3', x'80027d71002858050000006d6f64656c71015805000000636875726e71025804000000636f656671035d710428473ff000000000000047bfe00000000000006558090000007468726573686f6c647105473fd3333333333333752e'),
-- (os.system('echo hi'), builtins.eval('1')): decodes (nothing runs) but is unsafe
 ('evil', x'8002636f730a73797374656d0a58070000006563686f2068698552636275696c74696e730a6576616c0a5801000000318552862e'),
 ('broken', x'80027d7100285805000000');
-- the same objects at protocols 3 and 4: other bytes (another sha256), so other versions
INSERT INTO pk SELECT 'v1p3', x'8003' || substr(v, 3) FROM pk WHERE k = 'v1';
INSERT INTO pk SELECT 'v2p4', x'8004' || substr(v, 3) FROM pk WHERE k = 'v2';

SELECT '-- a query does not write the schema: ml_registry_init() checks, ml_registry_sql() is the script';
SELECT ml_registry_init();
.once ml_registry.sql
SELECT ml_registry_sql();
.read ml_registry.sql
SELECT ml_registry_init();
.read ml_registry.sql
SELECT ml_registry_init();
SELECT count(*) FROM sqlite_master WHERE name LIKE 'ml\_%' ESCAPE '\';
SELECT type, name FROM sqlite_master WHERE name LIKE 'ml\_%' ESCAPE '\' AND type IN ('table', 'view') ORDER BY name;

SELECT '-- register three versions';
INSERT INTO ml_registry(name, pickle, metrics, description, source)
    SELECT 'churn', v, '{"auc": 0.81}', 'first try', 'notebook.ipynb' FROM pk WHERE k = 'v1';
UPDATE ml_clock SET now = '2026-03-02T09:00:00.000Z';
INSERT INTO ml_registry(name, pickle, metrics) SELECT 'churn', v, '{"auc": 0.84}' FROM pk WHERE k = 'v2';
UPDATE ml_clock SET now = '2026-03-03T09:00:00.000Z';
INSERT INTO ml_registry(name, pickle, metrics) SELECT 'churn', v, '{"auc": 0.86}' FROM pk WHERE k = 'v3';
SELECT name, version, sha256, size, class, n_features, feature_names, classes, params, metrics,
       description, source, created_at, aliases, tags, is_latest
  FROM ml_registry ORDER BY version;
SELECT '-- sha256 is of the uncompressed pickle (hashlib.sha256(pickle.dumps(...))), stored as zstd';
SELECT v.version, v.sha256 = pickle_sha256(p.v), v.sha256 = pickle_sha256(v.pickle),
       hex(substr(v.pickle, 1, 4)), v.stored_size = length(v.pickle), v.size = length(p.v)
  FROM ml_versions v JOIN pk p ON p.k = 'v' || v.version ORDER BY v.version;
SELECT pickle_get(pickle, '$.threshold') FROM ml_registry WHERE version = 2;
SELECT name, description, created_at, updated_at FROM ml_models;

SELECT '-- DELETE is a soft delete; numbers are never reused';
UPDATE ml_clock SET now = '2026-03-04T09:00:00.000Z';
DELETE FROM ml_versions WHERE name = 'churn' AND version = 3;
SELECT version, deleted_at FROM ml_versions ORDER BY version;
SELECT group_concat(version) FROM ml_registry;
INSERT INTO ml_registry(name, pickle, metrics) SELECT 'churn', v, '{"auc": 0.86}' FROM pk WHERE k = 'v3';
SELECT group_concat(version) FROM ml_registry;
DELETE FROM ml_registry WHERE name = 'churn' AND version = 4;
DELETE FROM ml_registry WHERE name = 'churn' AND version = 4;
INSERT INTO ml_registry(name, pickle) SELECT 'churn', v FROM pk WHERE k = 'v1p3';
SELECT group_concat(version || ':' || ifnull(deleted_at, 'live'), ' ') FROM ml_versions;
SELECT '-- restore a deleted version';
UPDATE ml_versions SET deleted_at = NULL WHERE name = 'churn' AND version = 3;
SELECT group_concat(version) FROM ml_registry;

SELECT '-- versions are immutable';
UPDATE ml_versions SET pickle = (SELECT v FROM pk WHERE k = 'v2') WHERE version = 1;
UPDATE ml_versions SET sha256 = 'x' WHERE version = 1;
UPDATE ml_versions SET version = 9 WHERE version = 1;
UPDATE ml_versions SET name = 'other' WHERE version = 1;
UPDATE ml_versions SET class = 'list' WHERE version = 1;
UPDATE ml_registry SET pickle = x'80034b012e' WHERE version = 1;
SELECT '-- metrics, description and source may change';
UPDATE ml_registry SET metrics = '{"auc": 0.82}', description = 'first, re-evaluated' WHERE version = 1;
SELECT version, metrics, description, sha256 FROM ml_registry WHERE version = 1;
UPDATE ml_versions SET metrics = 'not json' WHERE version = 1;
UPDATE ml_models SET name = 'renamed';

SELECT '-- refused pickles';
INSERT INTO ml_registry(name, pickle) SELECT 'churn', v FROM pk WHERE k = 'evil';
INSERT INTO ml_registry(name, pickle) SELECT 'churn', v FROM pk WHERE k = 'broken';
INSERT INTO ml_registry(name, pickle) VALUES ('churn', NULL);
INSERT INTO ml_registry(name, pickle, metrics) SELECT 'churn', v, '[1, 2]' FROM pk WHERE k = 'v1';
SELECT '-- names';
INSERT INTO ml_registry(name, pickle) SELECT 'churn model', v FROM pk WHERE k = 'v1';
INSERT INTO ml_registry(name, pickle) SELECT 'churn/2', v FROM pk WHERE k = 'v1';
INSERT INTO ml_registry(name, pickle) SELECT '', v FROM pk WHERE k = 'v1';
INSERT INTO ml_registry(name, pickle) SELECT NULL, v FROM pk WHERE k = 'v1';
INSERT INTO ml_registry(name, pickle) SELECT 'Churn_v2.1-beta', v FROM pk WHERE k = 'v1';
SELECT name FROM ml_models ORDER BY name;
SELECT '-- failed statements leave nothing behind';
SELECT count(*) FROM ml_events;
SELECT count(*) FROM ml_versions;

SELECT '-- direct inserts into ml_versions are checked too';
INSERT INTO ml_versions(name, version, pickle, sha256, size, stored_size)
    SELECT 'churn', 3, v, pickle_sha256(v), length(v), length(v) FROM pk WHERE k = 'v1';
INSERT INTO ml_versions(name, version, pickle, sha256, size, stored_size)
    SELECT 'churn', 6, v, 'made-up', length(v), length(v) FROM pk WHERE k = 'v1';
INSERT INTO ml_versions(name, version, pickle, sha256, size, stored_size, class)
    SELECT 'churn', 6, v, pickle_sha256(v), length(v), length(v), 'dict' FROM pk WHERE k = 'evil';
INSERT INTO ml_versions(name, version, pickle, sha256, size, stored_size, class)
    SELECT 'churn', 6, v, pickle_sha256(v), length(v), length(v), 'dict' FROM pk WHERE k = 'v2';
SELECT version, class, stored_size = size FROM ml_versions WHERE version = 6;

SELECT '-- tags';
INSERT INTO ml_registry(name, pickle, tags) SELECT 'churn', v, '{"team": "growth", "data": "2026-02"}' FROM pk WHERE k = 'v2p4';
INSERT INTO ml_tags(name, version, key, value) VALUES ('churn', NULL, 'owner', 'ana');
INSERT INTO ml_tags(name, version, key, value) VALUES ('churn', NULL, 'owner', 'bob');
INSERT INTO ml_tags(name, version, key, value) VALUES ('nope', NULL, 'owner', 'ana');
INSERT INTO ml_tags(name, version, key, value) VALUES ('churn', 99, 'k', 'v');
SELECT version, tags, model_tags FROM ml_registry WHERE version = 7;

SELECT '-- deleting a model soft-deletes every version and keeps the name';
DELETE FROM ml_models WHERE name = 'Churn_v2.1-beta';
SELECT name, version, deleted_at IS NOT NULL FROM ml_versions WHERE name = 'Churn_v2.1-beta';
SELECT count(*) FROM ml_models WHERE name = 'Churn_v2.1-beta';
INSERT INTO ml_registry(name, pickle) SELECT 'Churn_v2.1-beta', v FROM pk WHERE k = 'v1';
SELECT name, version FROM ml_registry WHERE name = 'Churn_v2.1-beta';

SELECT '-- ml_events is append-only';
UPDATE ml_events SET event = 'x' WHERE id = 1;
DELETE FROM ml_events WHERE id = 1;
SELECT id, at, name, version, alias, event FROM ml_events ORDER BY id;

SELECT '-- bytes that are already a live version of the name make no new version (retries)';
SELECT group_concat(version) FROM ml_registry WHERE name = 'churn';
INSERT INTO ml_registry(name, pickle, aliases, tags) SELECT 'churn', v, 'retry', '{"data": "2026-03"}' FROM pk WHERE k = 'v2p4';
INSERT INTO ml_registry(name, pickle, aliases) SELECT 'churn', pickle_compress(v), '["retry", "prod"]' FROM pk WHERE k = 'v2p4';
SELECT group_concat(version) FROM ml_registry WHERE name = 'churn';
SELECT version, aliases, tags FROM ml_registry WHERE name = 'churn' AND version = 7;
SELECT count(*) FROM ml_events WHERE name = 'churn' AND event = 'registered' AND version = 7;
SELECT '-- ... but a deleted version does not count: the same bytes become a new version';
DELETE FROM ml_registry WHERE name = 'churn' AND version = 7;
INSERT INTO ml_registry(name, pickle) SELECT 'churn', v FROM pk WHERE k = 'v2p4';
SELECT group_concat(version) FROM ml_registry WHERE name = 'churn';
