-- registry_guard.sql - the registry's history cannot be rewritten and the registry cannot be
-- reached from schema code: every way of writing ml_events other than the registry's own
-- triggers (explicit id or time, negative and largest ids, REPLACE, INSERT OR REPLACE, UPSERT,
-- a bare ml_log call), ml_models rows that cannot be replaced, alias history taken from
-- ml_aliases (INSERT OR REPLACE with and without recursive_triggers, after an attempted
-- back-filled event), times that never go backwards, DIRECTONLY functions refused in views and
-- triggers while the BLOB-only forms work in views and indexes, and the re-entrancy guard.
.mode list
.headers off
CREATE TEMP TABLE ml_clock(now TEXT);
INSERT INTO ml_clock VALUES ('2026-03-01T09:00:00.000Z');
CREATE TEMP TABLE pk(k TEXT PRIMARY KEY, v BLOB);
INSERT INTO pk VALUES ('v1', x'80034b012e'), ('v2', x'80034b022e'), ('v3', x'80034b032e');
.once ml_registry.sql
SELECT ml_registry_sql();
.read ml_registry.sql
INSERT INTO ml_registry(name, pickle) SELECT 'churn', v FROM pk ORDER BY k;
INSERT INTO ml_aliases VALUES ('churn', 'production', 1);

SELECT '-- ml_events: only the registry writes events';
INSERT INTO ml_events(name, event) VALUES ('churn', 'registered');
INSERT INTO ml_events(id, at, name, version, alias, event) VALUES (-5, '2020-01-01T00:00:00.000Z', 'churn', 3, 'production', 'alias_set');
INSERT INTO ml_events(id, name, event) VALUES (9223372036854775807, 'churn', 'created');
INSERT INTO ml_events(at, name, event) VALUES ('2999-01-01T00:00:00.000Z', 'churn', 'created');
REPLACE INTO ml_events(id, at, name, event) VALUES (1, '2020-01-01T00:00:00.000Z', 'churn', 'created');
INSERT OR REPLACE INTO ml_events(id, name, event) VALUES (2, 'churn', 'created');
INSERT OR IGNORE INTO ml_events(id, name, event) VALUES (2, 'churn', 'created');
INSERT INTO ml_events(id, name, event) VALUES (2, 'churn', 'created')
    ON CONFLICT(id) DO UPDATE SET at = '2020-01-01T00:00:00.000Z';
UPDATE ml_events SET at = '2020-01-01T00:00:00.000Z' WHERE id = 1;
DELETE FROM ml_events;
SELECT ml_log('churn', 3, 'production', 'alias_moved', '{}');
SELECT ml_log('churn', 3, 'production', 'made_up', '{}');
BEGIN;
UPDATE ml_models SET description = NULL;
SELECT ml_log('churn', 3, 'production', 'alias_moved', '{}');
SELECT ml_log('churn', 9, NULL, 'registered', '{}');
SELECT ml_log('churn', NULL, 'production', 'alias_removed', '{}');
SELECT ml_log('nope', NULL, NULL, 'created', NULL);
ROLLBACK;
SELECT ml_log_guard();
SELECT '-- nothing was written; registrations still work and get the next ids';
SELECT count(*), max(id), min(at) FROM ml_events;
UPDATE ml_clock SET now = '2026-03-02T09:00:00.000Z';
INSERT INTO ml_registry(name, pickle) SELECT 'churn', v FROM pk WHERE k = 'v1';
SELECT id, at, version, event FROM ml_events WHERE id > 5 ORDER BY id;
SELECT seq FROM sqlite_sequence WHERE name = 'ml_events';

SELECT '-- times never go backwards, even when the clock does';
UPDATE ml_clock SET now = '2026-01-01T00:00:00.000Z';
UPDATE ml_aliases SET version = 2 WHERE name = 'churn' AND alias = 'production';
SELECT id, at, version, event FROM ml_events ORDER BY id DESC LIMIT 1;
SELECT count(*) FROM ml_events a JOIN ml_events b ON b.id > a.id WHERE b.at < a.at;
UPDATE ml_clock SET now = '2026-03-03T09:00:00.000Z';

SELECT '-- ml_models rows cannot be replaced';
INSERT OR REPLACE INTO ml_models(name, description) VALUES ('churn', 'replaced');
REPLACE INTO ml_models(name) VALUES ('churn');
INSERT INTO ml_models(name) VALUES ('churn') ON CONFLICT(name) DO UPDATE SET description = 'upserted';
INSERT OR IGNORE INTO ml_models(name) VALUES ('churn');
PRAGMA recursive_triggers = ON;
INSERT OR REPLACE INTO ml_models(name, description) VALUES ('churn', 'replaced');
PRAGMA recursive_triggers = OFF;
SELECT name, ifnull(description, 'NULL'), created_at FROM ml_models;
SELECT count(*) FROM ml_versions WHERE name = 'churn' AND deleted_at IS NULL;
UPDATE ml_models SET description = 'the churn model' WHERE name = 'churn';
SELECT description FROM ml_models;
INSERT INTO ml_models(name) VALUES ('fresh');
SELECT name, event FROM ml_events WHERE name = 'fresh';
UPDATE OR REPLACE ml_models SET name = 'churn' WHERE name = 'fresh';
SELECT count(*) FROM ml_models;

SELECT '-- ml_versions rows cannot be replaced either';
INSERT OR REPLACE INTO ml_versions(name, version, pickle, sha256, size, stored_size)
    SELECT 'churn', 1, v, pickle_sha256(v), length(v), length(v) FROM pk WHERE k = 'v3';
SELECT version, sha256 = pickle_sha256((SELECT v FROM pk WHERE k = 'v1')) FROM ml_versions WHERE version = 1;

SELECT '-- alias history comes from ml_aliases';
INSERT OR REPLACE INTO ml_aliases VALUES ('churn', 'production', 3);
SELECT version, event, detail FROM ml_events ORDER BY id DESC LIMIT 1;
PRAGMA recursive_triggers = ON;
INSERT OR REPLACE INTO ml_aliases VALUES ('churn', 'production', 1);
PRAGMA recursive_triggers = OFF;
SELECT version, event, detail FROM ml_events ORDER BY id DESC LIMIT 2;
INSERT INTO ml_aliases VALUES ('churn', 'staging', 2);
UPDATE OR REPLACE ml_aliases SET alias = 'production' WHERE alias = 'staging';
DELETE FROM ml_aliases WHERE alias = 'staging';
INSERT OR IGNORE INTO ml_aliases VALUES ('churn', 'production', 2);
INSERT OR REPLACE INTO ml_aliases VALUES ('churn', 'production', 1);
SELECT count(*) FROM ml_events WHERE alias = 'production';
SELECT alias, version FROM ml_aliases;
SELECT '-- ml_alias_history agrees with ml_aliases';
SELECT a.alias, a.version, h.version FROM ml_aliases a
  JOIN ml_alias_history h ON h.name = a.name AND h.alias = a.alias AND h.valid_to IS NULL;

SELECT '-- model_* and ml_resolve read the registry by name: direct calls only';
CREATE VIEW scored AS SELECT model_predict('churn@production', 1.0) AS p;
SELECT * FROM scored;
CREATE VIEW resolved AS SELECT ml_resolve('churn@production') AS v;
SELECT * FROM resolved;
CREATE TABLE audit(v);
CREATE TRIGGER audit_alias AFTER UPDATE ON ml_aliases BEGIN
    INSERT INTO audit VALUES (model_info(NEW.name || '/' || NEW.version));
END;
UPDATE ml_aliases SET version = 2 WHERE alias = 'production';
SELECT count(*) FROM audit;
SELECT version FROM ml_aliases WHERE alias = 'production';
DROP TRIGGER audit_alias;
CREATE TABLE t(x);
CREATE INDEX t_model ON t(model_predict('churn', x));
SELECT '-- the BLOB-only forms read no table: views and indexes may use them';
CREATE TABLE blobs(b BLOB);
INSERT INTO blobs SELECT v FROM pk;
CREATE VIEW kinds AS SELECT json_extract(pickle_model_info(b), '$.supported') AS s FROM blobs;
SELECT group_concat(s) FROM kinds;
CREATE INDEX blobs_kind ON blobs(pickle_model_info(b));
PRAGMA integrity_check;
SELECT pickle_predict('churn', 1.0);
SELECT pickle_model_info('churn');
SELECT pickle_predict(42, 1.0);

SELECT '-- re-entrancy: a registry table that calls the extension gets an error, not a crash';
DROP TABLE IF EXISTS ml_aliases_real;
ALTER TABLE ml_aliases RENAME TO ml_aliases_real;
CREATE VIEW ml_aliases AS SELECT name, alias, version FROM ml_aliases_real WHERE ml_now() IS NOT NULL;
SELECT ml_resolve('churn@production');
SELECT model_predict('churn@production', 1.0);
DROP VIEW ml_aliases;
ALTER TABLE ml_aliases_real RENAME TO ml_aliases;
SELECT ml_resolve('churn@production');
DROP TABLE ml_clock;
CREATE TEMP VIEW ml_clock AS SELECT ml_now() AS now;
SELECT length(ml_now());
DROP VIEW temp.ml_clock;
