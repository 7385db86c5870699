-- registry.sql - the pickle_ext model registry (the single source of its schema).
--
-- Run as a script by the client: `SELECT ml_registry_sql()` returns this file (the extension embeds
-- it at build time), preceded by the upgrade of a registry made by an earlier schema, in one
-- savepoint; every statement is idempotent. Never created on load, nor from inside a query. Every rule below is enforced by triggers, so
-- it holds for anything a user does through plain SQL, from any client that has the extension
-- loaded (the triggers call its functions):
--
--   * model names match ^[A-Za-z0-9_.-]+$, aliases ^[A-Za-z0-9_-]+$; `latest` and v<digits> are
--     reserved aliases (they mean "the newest live version" and "version <digits>");
--   * a version number is 1 + the highest ever used for that name (deleted versions included):
--     numbers are never reused;
--   * a pickle that does not decode, or that names a global outside the catalogue (code that
--     could run when Python loads it), is refused (the error names the globals); every pickle
--     naming only known library classes is accepted, and `supported`/`reason` record whether
--     model_predict & co. can score it;
--   * versions are immutable: name, version, pickle, sha256 and the columns derived from the
--     pickle never change; only metrics, description, source and deleted_at may be updated;
--   * DELETE is a soft delete (deleted_at is set; the aliases on the version are removed);
--   * ml_events is append-only and written by the registry only: registrations, alias
--     set/moved/removed (old and new version), deletes and restores. Its rows come from the
--     triggers through ml_log(), which assigns the id (AUTOINCREMENT) and the time; any other
--     INSERT (explicit id or time, REPLACE, UPSERT), UPDATE or DELETE is refused. Times never go
--     backwards: an event is stamped max(clock, time of the previous event);
--   * ml_models rows cannot be replaced (INSERT OR REPLACE / REPLACE / UPSERT of an existing
--     name is refused: REPLACE's implicit delete fires no DELETE trigger);
--   * alias events take the previous version from ml_aliases itself (OLD.version, or for
--     INSERT OR REPLACE the row read before the insert), never from the history.
--
-- No CHECK constraint calls a function that is not innocuous (JSON validation is in triggers),
-- so the database opens and its tables read under PRAGMA trusted_schema=OFF, with or without the
-- extension. Writing needs trusted_schema=ON (the default): the triggers call the extension and
-- SQLite's JSON functions, which SQLite 3.40 does not flag innocuous.
--
-- Timestamps are UTC ISO-8601 text with milliseconds ('2026-03-01T12:00:00.000Z') from
-- ml_now(); a test may pin the clock: CREATE TEMP TABLE ml_clock(now TEXT) holding one row.
--
-- Point in time: which version was `production` of model 'churn' at 2026-03-01 12:00 UTC?
--
--   SELECT version FROM ml_events
--    WHERE name = 'churn' AND alias = 'production'
--      AND at <= strftime('%Y-%m-%dT%H:%M:%fZ', '2026-03-01 12:00:00')
--    ORDER BY at DESC, id DESC LIMIT 1;
--
-- (no row: the alias did not exist yet; NULL: it had been removed.) The view ml_alias_history
-- gives the same as intervals [valid_from, valid_to).
--
-- The extension functions used here: ml_now, ml_error, ml_check_name, ml_check_alias,
-- ml_pickle_meta (ext/sql/sql_registry.c), ml_log, ml_log_guard, ml_alias_prev
-- (ext/sql/sql_events.c) and pickle_compress (ext/sql/sql_write.c). Guarantees: docs/registry.md.

CREATE TABLE IF NOT EXISTS ml_models (
    name        TEXT PRIMARY KEY NOT NULL
                CHECK (length(name) BETWEEN 1 AND 200 AND name NOT GLOB '*[^A-Za-z0-9_.-]*'),
    description TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE IF NOT EXISTS ml_versions (
    name          TEXT NOT NULL REFERENCES ml_models(name),
    version       INTEGER NOT NULL CHECK (typeof(version) = 'integer' AND version >= 1),
    pickle        BLOB NOT NULL,       -- as stored: a zstd frame of the pickle
    sha256        TEXT NOT NULL,       -- of the uncompressed pickle (what the user registered)
    size          INTEGER NOT NULL,    -- bytes of the uncompressed pickle
    stored_size   INTEGER NOT NULL,    -- bytes stored (length(pickle))
    class         TEXT,                -- 'sklearn.pipeline.Pipeline'
    n_features    INTEGER,             -- n_features_in_
    feature_names TEXT,                -- JSON array of feature_names_in_, or NULL
    classes       TEXT,                -- JSON array of classes_, or NULL
    params        TEXT,                -- JSON object: the estimator's constructor parameters
    supported     INTEGER,             -- 1 when the model functions can score it, else 0 (NULL
                                       -- when a direct insert into ml_versions left it out)
    reason        TEXT,                -- one line: what it scores, or why it cannot be scored
    metrics       TEXT,                -- JSON object, or NULL (checked by the triggers)
    description   TEXT,
    source        TEXT,                -- where it came from: notebook, run id, git commit, file
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at    TEXT,
    allow         TEXT,                -- JSON array of the globals outside the catalogue the
                                       -- registration vouched for (docs/registry.md, Allowances),
                                       -- or NULL: the version is safe
    PRIMARY KEY (name, version)
);

CREATE TABLE IF NOT EXISTS ml_aliases (
    name    TEXT NOT NULL,
    alias   TEXT NOT NULL
            CHECK (length(alias) BETWEEN 1 AND 200 AND alias NOT GLOB '*[^A-Za-z0-9_-]*'),
    version INTEGER NOT NULL,
    PRIMARY KEY (name, alias),
    FOREIGN KEY (name, version) REFERENCES ml_versions(name, version)
);

CREATE TABLE IF NOT EXISTS ml_tags (
    name    TEXT NOT NULL REFERENCES ml_models(name),
    version INTEGER,                   -- NULL: a tag of the model itself
    key     TEXT NOT NULL CHECK (length(key) >= 1),
    value   TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS ml_tags_key ON ml_tags(name, ifnull(version, 0), key);

CREATE TABLE IF NOT EXISTS ml_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    name    TEXT NOT NULL,
    version INTEGER,                   -- the version concerned; for alias events the new one
    alias   TEXT,
    event   TEXT NOT NULL,             -- created registered alias_set alias_moved alias_removed
                                       -- deleted restored
    detail  TEXT                       -- JSON: {"old": 2, "new": 3} for alias events, ...
);
CREATE INDEX IF NOT EXISTS ml_events_alias ON ml_events(name, alias, at);

-- ---- ml_events: append-only, written by the registry only ---------------------------------------

-- ml_log() inserts with this guard open; every other INSERT (whatever its id, time or conflict
-- clause) is refused before any row is touched.
CREATE TRIGGER IF NOT EXISTS ml_events_guard BEFORE INSERT ON ml_events
BEGIN
    SELECT ml_log_guard();
END;

CREATE TRIGGER IF NOT EXISTS ml_events_no_update BEFORE UPDATE ON ml_events
BEGIN
    SELECT RAISE(ABORT, 'ml_events is append-only: events cannot be changed');
END;

CREATE TRIGGER IF NOT EXISTS ml_events_no_delete BEFORE DELETE ON ml_events
BEGIN
    SELECT RAISE(ABORT, 'ml_events is append-only: events cannot be deleted');
END;

-- ---- ml_models --------------------------------------------------------------------------------

-- An existing name is refused here, before the conflict clause is looked at: INSERT OR REPLACE
-- would otherwise delete the row without firing ml_models_soft_delete.
CREATE TRIGGER IF NOT EXISTS ml_models_insert BEFORE INSERT ON ml_models
BEGIN
    SELECT ml_check_name(NEW.name);
    SELECT ml_error(printf('ml_models: model ''%s'' exists; its row cannot be replaced (UPDATE its description instead)', NEW.name))
     WHERE EXISTS (SELECT 1 FROM ml_models WHERE name = NEW.name);
END;

CREATE TRIGGER IF NOT EXISTS ml_models_created AFTER INSERT ON ml_models
BEGIN
    SELECT ml_log(NEW.name, NULL, NULL, 'created', NULL);
END;

CREATE TRIGGER IF NOT EXISTS ml_models_no_rename BEFORE UPDATE OF name ON ml_models
WHEN NEW.name IS NOT OLD.name
BEGIN
    SELECT RAISE(ABORT, 'ml_models: a model cannot be renamed (its versions and history keep the name)');
END;

-- Deleting a model soft-deletes all its versions; the row stays so numbers are never reused.
CREATE TRIGGER IF NOT EXISTS ml_models_soft_delete BEFORE DELETE ON ml_models
BEGIN
    UPDATE ml_versions SET deleted_at = ml_now() WHERE name = OLD.name AND deleted_at IS NULL;
    SELECT RAISE(IGNORE);
END;

-- ---- ml_versions ------------------------------------------------------------------------------

-- Every insert (through ml_registry or directly) is checked: the number, the pickle, and that the
-- derived columns are those of the pickle (a direct insert cannot carry made-up metadata).
CREATE TRIGGER IF NOT EXISTS ml_versions_insert BEFORE INSERT ON ml_versions
BEGIN
    SELECT ml_check_name(NEW.name);
    SELECT ml_error('ml_versions: metrics must be JSON (e.g. ''{"auc": 0.91}'') or NULL')
     WHERE NEW.metrics IS NOT NULL AND NOT json_valid(NEW.metrics);
    SELECT ml_error(printf('ml_versions: the next version of model ''%s'' is %d, not %s (insert into ml_registry to have it numbered)',
                           NEW.name, n.next, quote(NEW.version)))
      FROM (SELECT 1 + ifnull(max(v), 0) AS next
              FROM (SELECT max(version) AS v FROM ml_versions WHERE name = NEW.name
                    UNION ALL
                    SELECT max(version) FROM ml_events
                     WHERE name = NEW.name AND event = 'registered')) AS n
     WHERE NEW.version IS NOT n.next;
    SELECT ml_error('ml_versions: the derived columns (sha256, size, stored_size, class, n_features, feature_names, classes, params, supported, reason) do not match the pickle; register through ml_registry: INSERT INTO ml_registry(name, pickle) VALUES (...)')
      FROM (WITH m(j) AS MATERIALIZED (SELECT ml_pickle_meta(NEW.pickle, NEW.name, NEW.allow)) SELECT j FROM m)
     WHERE NEW.sha256 IS NOT json_extract(j, '$.sha256')
        OR NEW.size IS NOT json_extract(j, '$.size')
        OR NEW.stored_size IS NOT length(NEW.pickle)
        OR NEW.class IS NOT json_extract(j, '$.class')
        OR NEW.n_features IS NOT json_extract(j, '$.n_features')
        OR NEW.feature_names IS NOT json_extract(j, '$.feature_names')
        OR NEW.classes IS NOT json_extract(j, '$.classes')
        OR NEW.params IS NOT json_extract(j, '$.params')
        OR (NEW.supported IS NOT NULL AND NEW.supported IS NOT json_extract(j, '$.supported'))
        OR (NEW.reason IS NOT NULL AND NEW.reason IS NOT json_extract(j, '$.reason'))
        OR NEW.allow IS NOT json_extract(j, '$.allow');
    INSERT INTO ml_models(name, created_at, updated_at)
        SELECT NEW.name, ml_now(), ml_now()
         WHERE NOT EXISTS (SELECT 1 FROM ml_models WHERE name = NEW.name);
END;

CREATE TRIGGER IF NOT EXISTS ml_versions_registered AFTER INSERT ON ml_versions
BEGIN
    SELECT ml_log(NEW.name, NEW.version, NULL, 'registered',
                  CASE WHEN NEW.allow IS NULL
                       THEN json_object('sha256', NEW.sha256, 'class', NEW.class, 'size', NEW.size,
                                        'source', NEW.source)
                       ELSE json_object('sha256', NEW.sha256, 'class', NEW.class, 'size', NEW.size,
                                        'source', NEW.source, 'allow', json(NEW.allow)) END);
    UPDATE ml_models SET updated_at = ml_now() WHERE name = NEW.name;
END;

CREATE TRIGGER IF NOT EXISTS ml_versions_immutable
BEFORE UPDATE OF name, version, pickle, sha256, size, stored_size, class, n_features,
                 feature_names, classes, params, supported, reason, created_at, allow ON ml_versions
WHEN NEW.name IS NOT OLD.name OR NEW.version IS NOT OLD.version
  OR NEW.pickle IS NOT OLD.pickle OR NEW.sha256 IS NOT OLD.sha256
  OR NEW.size IS NOT OLD.size OR NEW.stored_size IS NOT OLD.stored_size
  OR NEW.class IS NOT OLD.class OR NEW.n_features IS NOT OLD.n_features
  OR NEW.feature_names IS NOT OLD.feature_names OR NEW.classes IS NOT OLD.classes
  OR NEW.params IS NOT OLD.params OR NEW.supported IS NOT OLD.supported
  OR NEW.reason IS NOT OLD.reason OR NEW.created_at IS NOT OLD.created_at
  OR NEW.allow IS NOT OLD.allow
BEGIN
    SELECT RAISE(ABORT, 'ml_versions: versions are immutable: name, version, pickle, sha256 and the columns derived from the pickle cannot change (register a new version instead)');
END;

CREATE TRIGGER IF NOT EXISTS ml_versions_metrics BEFORE UPDATE OF metrics ON ml_versions
WHEN NEW.metrics IS NOT NULL AND NOT json_valid(NEW.metrics)
BEGIN
    SELECT RAISE(ABORT, 'ml_versions: metrics must be JSON (e.g. ''{"auc": 0.91}'') or NULL');
END;

CREATE TRIGGER IF NOT EXISTS ml_versions_soft_delete BEFORE DELETE ON ml_versions
BEGIN
    UPDATE ml_versions SET deleted_at = ml_now()
     WHERE name = OLD.name AND version = OLD.version AND deleted_at IS NULL;
    SELECT RAISE(IGNORE);
END;

CREATE TRIGGER IF NOT EXISTS ml_versions_deleted AFTER UPDATE OF deleted_at ON ml_versions
WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
BEGIN
    DELETE FROM ml_aliases WHERE name = NEW.name AND version = NEW.version;
    SELECT ml_log(NEW.name, NEW.version, NULL, 'deleted', NULL);
    UPDATE ml_models SET updated_at = ml_now() WHERE name = NEW.name;
END;

CREATE TRIGGER IF NOT EXISTS ml_versions_restored AFTER UPDATE OF deleted_at ON ml_versions
WHEN OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL
BEGIN
    SELECT ml_log(NEW.name, NEW.version, NULL, 'restored', NULL);
    UPDATE ml_models SET updated_at = ml_now() WHERE name = NEW.name;
END;

-- ---- ml_aliases -------------------------------------------------------------------------------

-- The row the insert may replace is read here, before the conflict clause runs: INSERT OR
-- REPLACE deletes it without firing ml_aliases_removed (unless recursive_triggers is on), so
-- ml_aliases_set learns the previous version from ml_alias_prev (one slot per connection, set
-- by each row's BEFORE trigger and taken by its AFTER trigger), not from the history.
CREATE TRIGGER IF NOT EXISTS ml_aliases_insert BEFORE INSERT ON ml_aliases
BEGIN
    SELECT ml_check_alias(NEW.alias);
    SELECT ml_error(printf('ml_aliases: model ''%s'' has no live version %s', NEW.name, quote(NEW.version)))
     WHERE NOT EXISTS (SELECT 1 FROM ml_versions
                        WHERE name = NEW.name AND version = NEW.version AND deleted_at IS NULL);
    SELECT ml_alias_prev(NEW.name, NEW.alias,
                         (SELECT version FROM ml_aliases WHERE name = NEW.name AND alias = NEW.alias));
END;

CREATE TRIGGER IF NOT EXISTS ml_aliases_set AFTER INSERT ON ml_aliases
BEGIN
    SELECT ml_log(NEW.name, NEW.version, NEW.alias,
                  CASE WHEN o.old IS NULL THEN 'alias_set' ELSE 'alias_moved' END,
                  json_object('old', o.old, 'new', NEW.version))
      FROM (SELECT ml_alias_prev(NEW.name, NEW.alias) AS old) AS o
     WHERE o.old IS NOT NEW.version;
    UPDATE ml_models SET updated_at = ml_now() WHERE name = NEW.name;
END;

CREATE TRIGGER IF NOT EXISTS ml_aliases_update BEFORE UPDATE ON ml_aliases
BEGIN
    SELECT RAISE(ABORT, 'ml_aliases: an alias cannot be renamed or moved to another model (delete it and insert the new one)')
     WHERE NEW.name IS NOT OLD.name OR NEW.alias IS NOT OLD.alias;
    SELECT ml_error(printf('ml_aliases: model ''%s'' has no live version %s', NEW.name, quote(NEW.version)))
     WHERE NOT EXISTS (SELECT 1 FROM ml_versions
                        WHERE name = NEW.name AND version = NEW.version AND deleted_at IS NULL);
END;

CREATE TRIGGER IF NOT EXISTS ml_aliases_moved AFTER UPDATE OF version ON ml_aliases
WHEN NEW.version IS NOT OLD.version
BEGIN
    SELECT ml_log(NEW.name, NEW.version, NEW.alias, 'alias_moved',
                  json_object('old', OLD.version, 'new', NEW.version));
    UPDATE ml_models SET updated_at = ml_now() WHERE name = NEW.name;
END;

CREATE TRIGGER IF NOT EXISTS ml_aliases_removed AFTER DELETE ON ml_aliases
BEGIN
    SELECT ml_alias_prev(OLD.name, OLD.alias, NULL);
    SELECT ml_log(OLD.name, NULL, OLD.alias, 'alias_removed',
                  json_object('old', OLD.version, 'new', NULL));
    UPDATE ml_models SET updated_at = ml_now() WHERE name = OLD.name;
END;

-- ---- ml_tags ----------------------------------------------------------------------------------

CREATE TRIGGER IF NOT EXISTS ml_tags_insert BEFORE INSERT ON ml_tags
BEGIN
    SELECT ml_error(printf('ml_tags: no model named ''%s''', NEW.name))
     WHERE NOT EXISTS (SELECT 1 FROM ml_models WHERE name = NEW.name);
    SELECT ml_error(printf('ml_tags: model ''%s'' has no version %s', NEW.name, quote(NEW.version)))
     WHERE NEW.version IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM ml_versions WHERE name = NEW.name AND version = NEW.version);
END;

-- ---- views ------------------------------------------------------------------------------------

-- One row per live version, with its aliases (JSON array) and tags (JSON object; the model's own
-- tags in model_tags). INSERT registers a new version; UPDATE changes metrics, description or
-- source; DELETE soft-deletes.
CREATE VIEW IF NOT EXISTS ml_registry AS
SELECT v.name, v.version, v.pickle, v.sha256, v.size, v.stored_size, v.class, v.n_features,
       v.feature_names, v.classes, v.params, v.supported, v.reason, v.metrics, v.description, v.source, v.created_at,
       (SELECT json_group_array(alias)
          FROM (SELECT alias FROM ml_aliases a
                 WHERE a.name = v.name AND a.version = v.version ORDER BY alias)) AS aliases,
       (SELECT json_group_object(key, value)
          FROM (SELECT key, value FROM ml_tags t
                 WHERE t.name = v.name AND t.version = v.version ORDER BY key)) AS tags,
       (SELECT json_group_object(key, value)
          FROM (SELECT key, value FROM ml_tags t
                 WHERE t.name = v.name AND t.version IS NULL ORDER BY key)) AS model_tags,
       v.version = (SELECT max(version) FROM ml_versions l
                     WHERE l.name = v.name AND l.deleted_at IS NULL) AS is_latest,
       v.allow, v.allow IS NULL AS safe
  FROM ml_versions v
 WHERE v.deleted_at IS NULL;

-- INSERT INTO ml_registry(name, pickle [, metrics, description, source, aliases, tags, allow]):
-- aliases is a JSON array of aliases (or one alias as text) to point at the new version, tags a
-- JSON object, allow the allowance (a JSON array of the globals outside the catalogue the
-- registration vouches for; docs/registry.md, Allowances). Bytes that are already a live version
-- of the name (same sha256) make no new version: the aliases and tags are set on that version,
-- so a client retrying a registration whose commit it did not see creates no duplicate.
CREATE TRIGGER IF NOT EXISTS ml_registry_insert INSTEAD OF INSERT ON ml_registry
BEGIN
    SELECT ml_check_name(NEW.name);
    SELECT ml_error('ml_registry: metrics must be a JSON object, e.g. ''{"auc": 0.91}''')
     WHERE NEW.metrics IS NOT NULL AND (json_valid(NEW.metrics) = 0 OR json_type(NEW.metrics) <> 'object');
    INSERT INTO ml_versions(name, version, pickle, sha256, size, stored_size, class, n_features,
                            feature_names, classes, params, supported, reason, metrics,
                            description, source, created_at, allow)
    WITH m(meta, stored, next) AS MATERIALIZED (
        SELECT ml_pickle_meta(NEW.pickle, NEW.name, NEW.allow), pickle_compress(NEW.pickle),
               1 + ifnull((SELECT max(v) FROM (
                             SELECT max(version) AS v FROM ml_versions WHERE name = NEW.name
                             UNION ALL
                             SELECT max(version) FROM ml_events
                              WHERE name = NEW.name AND event = 'registered')), 0))
    SELECT NEW.name, next, stored, json_extract(meta, '$.sha256'), json_extract(meta, '$.size'),
           length(stored), json_extract(meta, '$.class'), json_extract(meta, '$.n_features'),
           json_extract(meta, '$.feature_names'), json_extract(meta, '$.classes'),
           json_extract(meta, '$.params'), json_extract(meta, '$.supported'),
           json_extract(meta, '$.reason'), json(NEW.metrics), NEW.description, NEW.source,
           ml_now(), json_extract(meta, '$.allow')
      FROM m
     WHERE NOT EXISTS (SELECT 1 FROM ml_versions
                        WHERE name = NEW.name AND deleted_at IS NULL
                          AND sha256 = json_extract(m.meta, '$.sha256'));
    INSERT INTO ml_aliases(name, alias, version)
        SELECT NEW.name, a.value, (SELECT max(version) FROM ml_versions
                                    WHERE name = NEW.name AND deleted_at IS NULL
                                      AND sha256 = pickle_sha256(NEW.pickle))
          FROM json_each(CASE WHEN json_valid(NEW.aliases) THEN NEW.aliases
                              ELSE json_array(NEW.aliases) END) AS a
         WHERE NEW.aliases IS NOT NULL
        ON CONFLICT(name, alias) DO UPDATE SET version = excluded.version;
    INSERT INTO ml_tags(name, version, key, value)
        SELECT NEW.name, (SELECT max(version) FROM ml_versions
                           WHERE name = NEW.name AND deleted_at IS NULL
                             AND sha256 = pickle_sha256(NEW.pickle)), t.key, t.value
          FROM json_each(NEW.tags) AS t
         WHERE NEW.tags IS NOT NULL
        ON CONFLICT(name, ifnull(version, 0), key) DO UPDATE SET value = excluded.value;
END;

CREATE TRIGGER IF NOT EXISTS ml_registry_update INSTEAD OF UPDATE ON ml_registry
BEGIN
    UPDATE ml_versions
       SET name = NEW.name, version = NEW.version, pickle = NEW.pickle, sha256 = NEW.sha256,
           size = NEW.size, stored_size = NEW.stored_size, class = NEW.class,
           n_features = NEW.n_features, feature_names = NEW.feature_names,
           classes = NEW.classes, params = NEW.params, supported = NEW.supported,
           reason = NEW.reason, created_at = NEW.created_at, allow = NEW.allow,
           metrics = NEW.metrics, description = NEW.description, source = NEW.source
     WHERE name = OLD.name AND version = OLD.version;
END;

CREATE TRIGGER IF NOT EXISTS ml_registry_delete INSTEAD OF DELETE ON ml_registry
BEGIN
    DELETE FROM ml_versions WHERE name = OLD.name AND version = OLD.version;
END;

-- Each alias assignment as an interval: version held the alias from valid_from until valid_to
-- (NULL: still does). Point in time: WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T).
CREATE VIEW IF NOT EXISTS ml_alias_history AS
SELECT name, alias, version, valid_from, valid_to
  FROM (SELECT name, alias, version, at AS valid_from,
               lead(at) OVER (PARTITION BY name, alias ORDER BY at, id) AS valid_to
          FROM ml_events
         WHERE alias IS NOT NULL)
 WHERE version IS NOT NULL;
