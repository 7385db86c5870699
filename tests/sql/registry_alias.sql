-- registry_alias.sql - aliases: reserved and invalid names, set / move / remove with their
-- history (old and new version), aliases removed with a deleted version, the point-in-time query
-- and ml_alias_history. The clock is pinned through TEMP table ml_clock.
.mode list
.headers off
CREATE TEMP TABLE ml_clock(now TEXT);
INSERT INTO ml_clock VALUES ('2026-02-27T08:00:00.000Z');
CREATE TEMP TABLE pk(k TEXT PRIMARY KEY, v BLOB);
INSERT INTO pk VALUES
 ('v1', x'80027d71002858050000006d6f64656c71015805000000636875726e71025804000000636f656671035d710428473fe000000000000047bff40000000000006558090000007468726573686f6c647105473fe0000000000000752e'),
 ('v2', x'80027d71002858050000006d6f64656c71015805000000636875726e71025804000000636f656671035d710428473fe800000000000047bff00000000000006558090000007468726573686f6c647105473fd999999999999a752e'),
 ('v3', x'80027d71002858050000006d6f64656c71015805000000636875726e71025804000000636f656671035d710428473ff000000000000047bfe00000000000006558090000007468726573686f6c647105473fd3333333333333752e');
.once ml_registry.sql
SELECT ml_registry_sql();
.read ml_registry.sql
INSERT INTO ml_registry(name, pickle) SELECT 'churn', v FROM pk WHERE k = 'v1';
INSERT INTO ml_registry(name, pickle) SELECT 'churn', v FROM pk WHERE k = 'v2';

SELECT '-- reserved and invalid aliases';
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'latest', 1);
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'LATEST', 1);
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'v2', 1);
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'V10', 1);
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'prod uction', 1);
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'prod.1', 1);
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'production', 7);
INSERT INTO ml_aliases(name, alias, version) VALUES ('nope', 'production', 1);
SELECT '-- v<digits> only: these are ordinary aliases';
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'v2-candidate', 1);
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'vip', 1);
DELETE FROM ml_aliases WHERE alias IN ('v2-candidate', 'vip');
SELECT count(*) FROM ml_aliases;

SELECT '-- set, move (UPDATE, INSERT OR REPLACE, upsert), remove';
UPDATE ml_clock SET now = '2026-02-28T10:00:00.000Z';
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'production', 1);
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'production', 2);
UPDATE ml_clock SET now = '2026-03-01T11:00:00.000Z';
UPDATE ml_aliases SET version = 2 WHERE name = 'churn' AND alias = 'production';
UPDATE ml_aliases SET version = 2 WHERE name = 'churn' AND alias = 'production';
UPDATE ml_aliases SET alias = 'prod' WHERE name = 'churn' AND alias = 'production';
UPDATE ml_clock SET now = '2026-03-01T15:00:00.000Z';
INSERT INTO ml_registry(name, pickle, aliases) SELECT 'churn', v, '["staging"]' FROM pk WHERE k = 'v3';
UPDATE ml_clock SET now = '2026-03-02T09:30:00.000Z';
INSERT OR REPLACE INTO ml_aliases(name, alias, version) VALUES ('churn', 'production', 3);
UPDATE ml_clock SET now = '2026-03-03T09:30:00.000Z';
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'production', 1)
    ON CONFLICT(name, alias) DO UPDATE SET version = excluded.version;
UPDATE ml_clock SET now = '2026-03-04T09:30:00.000Z';
DELETE FROM ml_aliases WHERE alias = 'staging';
SELECT name, alias, version FROM ml_aliases ORDER BY alias;
SELECT version, aliases FROM ml_registry ORDER BY version;

SELECT '-- a deleted version loses its aliases; it cannot get one back';
UPDATE ml_clock SET now = '2026-03-05T09:30:00.000Z';
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'champion', 1);
DELETE FROM ml_registry WHERE name = 'churn' AND version = 1;
SELECT count(*) FROM ml_aliases;
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'production', 1);
UPDATE ml_clock SET now = '2026-03-06T09:30:00.000Z';
INSERT INTO ml_aliases(name, alias, version) VALUES ('churn', 'production', 3);

SELECT '-- the history';
SELECT id, at, version, alias, event, detail FROM ml_events
 WHERE alias IS NOT NULL OR event = 'deleted' ORDER BY id;

SELECT '-- which version was production at ...';
SELECT t.at, ifnull((SELECT ifnull(version, 'removed') FROM ml_events
                      WHERE name = 'churn' AND alias = 'production'
                        AND at <= strftime('%Y-%m-%dT%H:%M:%fZ', t.at)
                      ORDER BY at DESC, id DESC LIMIT 1), 'not yet set')
  FROM (SELECT '2026-02-27 12:00' AS at UNION ALL SELECT '2026-02-28 10:00'
        UNION ALL SELECT '2026-03-01 12:00' UNION ALL SELECT '2026-03-02 09:29:59.999'
        UNION ALL SELECT '2026-03-02 09:30' UNION ALL SELECT '2026-03-04 00:00'
        UNION ALL SELECT '2026-03-05 12:00' UNION ALL SELECT '2026-03-07') AS t;
SELECT '-- the same through ml_alias_history';
SELECT alias, version, valid_from, ifnull(valid_to, 'now') FROM ml_alias_history
 WHERE name = 'churn' ORDER BY alias, valid_from;
SELECT version FROM ml_alias_history
 WHERE name = 'churn' AND alias = 'production'
   AND valid_from <= '2026-03-01T12:00:00.000Z'
   AND (valid_to IS NULL OR valid_to > '2026-03-01T12:00:00.000Z');
