package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the local file, through the same libsqlite3 as dqlite
)

// The columns of ml_versions a copy carries. The registry's insert trigger recomputes the derived
// ones from the pickle on the scoring host and refuses the row if they differ, so each copied
// version is checked again where it is scored (this needs the same pickle_ext version on both
// sides). deleted_at, metrics, description and source are the mutable ones.
const versionCols = "name, version, pickle, sha256, size, stored_size, class, n_features, " +
	"feature_names, classes, params, supported, reason, metrics, description, source, " +
	"created_at, deleted_at, allow"

type versionKey struct {
	name    string
	version int64
}

type versionState struct {
	sha256                               string
	deletedAt, metrics, description, src sql.NullString
}

type syncStats struct {
	copied, updated, aliasesSet, aliasesRemoved int
}

// pkdq sync: brings a local SQLite file up to date with the cluster's registry, for scoring on
// this host (dqlite runs every query on the leader, so scoring does not scale out through it).
// Versions are immutable and content-hashed: the ones the file lacks are copied (in version
// order, through the registry's own triggers), the mutable columns of the others refreshed, and
// the aliases made equal to the cluster's, all in one local transaction read from one snapshot
// of the cluster. Tags and the cluster's event history are not copied.
func runSync(args []string) error {
	fs := flag.NewFlagSet("pkdq sync", flag.ContinueOnError)
	cluster, dbName := clusterFlags(fs)
	to := fs.String("to", "", "the local SQLite file to update (created when missing)")
	ext := fs.String("ext", "dist/pickle_ext.so", "path of the pickle_ext extension")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("-to is required")
	}
	if err := registerExtension(*ext); err != nil {
		return err
	}
	remote, err := openCluster(splitAddrs(*cluster), *dbName)
	if err != nil {
		return err
	}
	defer remote.Close()
	local, err := sql.Open("sqlite3", "file:"+*to+"?_busy_timeout=10000&_txlock=immediate&_journal_mode=WAL")
	if err != nil {
		return err
	}
	defer local.Close()
	local.SetMaxOpenConns(1)

	start := time.Now()
	var st syncStats
	err = retry(*timeout, *timeout, func(ctx context.Context) error {
		st = syncStats{}
		return syncOnce(ctx, remote, local, &st)
	})
	if err != nil {
		return err
	}
	fmt.Printf("pkdq sync: %d versions copied, %d updated, %d aliases set, %d removed (%d ms)\n",
		st.copied, st.updated, st.aliasesSet, st.aliasesRemoved, time.Since(start).Milliseconds())
	return nil
}

func syncOnce(ctx context.Context, remote, local *sql.DB, st *syncStats) error {
	if err := ensureRegistry(ctx, local); err != nil {
		return fmt.Errorf("local registry: %w", err)
	}
	rtx, err := remote.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer rtx.Rollback()
	ltx, err := local.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer ltx.Rollback()

	theirs, order, err := readVersions(ctx, rtx)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	ours, _, err := readVersions(ctx, ltx)
	if err != nil {
		return fmt.Errorf("local: %w", err)
	}
	for _, k := range order {
		want := theirs[k]
		have, ok := ours[k]
		switch {
		case !ok:
			if err := copyVersion(ctx, rtx, ltx, k); err != nil {
				return err
			}
			st.copied++
		case have.sha256 != want.sha256:
			return fmt.Errorf("version %d of %q differs here (sha256 %s, cluster %s): this file "+
				"has registrations of its own; sync into a new file", k.version, k.name,
				have.sha256, want.sha256)
		case have != want:
			if _, err := ltx.ExecContext(ctx, "UPDATE ml_versions SET deleted_at = ?, metrics = ?, "+
				"description = ?, source = ? WHERE name = ? AND version = ?", want.deletedAt,
				want.metrics, want.description, want.src, k.name, k.version); err != nil {
				return fmt.Errorf("updating version %d of %q: %w", k.version, k.name, err)
			}
			st.updated++
		}
	}
	if err := syncAliases(ctx, rtx, ltx, st); err != nil {
		return err
	}
	return ltx.Commit()
}

// readVersions lists every version (deleted ones too) with its mutable columns, in the order the
// registry numbered them.
func readVersions(ctx context.Context, tx *sql.Tx) (map[versionKey]versionState, []versionKey, error) {
	rows, err := tx.QueryContext(ctx, "SELECT name, version, sha256, deleted_at, metrics, "+
		"description, source FROM ml_versions ORDER BY name, version")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := map[versionKey]versionState{}
	var order []versionKey
	for rows.Next() {
		var k versionKey
		var s versionState
		if err := rows.Scan(&k.name, &k.version, &s.sha256, &s.deletedAt, &s.metrics,
			&s.description, &s.src); err != nil {
			return nil, nil, err
		}
		out[k] = s
		order = append(order, k)
	}
	return out, order, rows.Err()
}

// copyVersion inserts one version as stored on the cluster; the registry's triggers check its
// number and recompute its derived columns from the pickle.
func copyVersion(ctx context.Context, rtx, ltx *sql.Tx, k versionKey) error {
	vals := make([]interface{}, strings.Count(versionCols, ",")+1)
	ptrs := make([]interface{}, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rtx.QueryRowContext(ctx, "SELECT "+versionCols+" FROM ml_versions WHERE name = ? "+
		"AND version = ?", k.name, k.version).Scan(ptrs...); err != nil {
		return fmt.Errorf("reading version %d of %q: %w", k.version, k.name, err)
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")
	if _, err := ltx.ExecContext(ctx, "INSERT INTO ml_versions("+versionCols+") VALUES ("+marks+")",
		vals...); err != nil {
		return fmt.Errorf("copying version %d of %q: %w", k.version, k.name, err)
	}
	return nil
}

// syncAliases makes the local aliases those of the cluster.
func syncAliases(ctx context.Context, rtx, ltx *sql.Tx, st *syncStats) error {
	type alias struct{ name, alias string }
	read := func(tx *sql.Tx) (map[alias]int64, error) {
		rows, err := tx.QueryContext(ctx, "SELECT name, alias, version FROM ml_aliases")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		m := map[alias]int64{}
		for rows.Next() {
			var a alias
			var v int64
			if err := rows.Scan(&a.name, &a.alias, &v); err != nil {
				return nil, err
			}
			m[a] = v
		}
		return m, rows.Err()
	}
	theirs, err := read(rtx)
	if err != nil {
		return fmt.Errorf("cluster aliases: %w", err)
	}
	ours, err := read(ltx)
	if err != nil {
		return fmt.Errorf("local aliases: %w", err)
	}
	for a := range ours {
		if _, ok := theirs[a]; !ok {
			if _, err := ltx.ExecContext(ctx, "DELETE FROM ml_aliases WHERE name = ? AND alias = ?",
				a.name, a.alias); err != nil {
				return err
			}
			st.aliasesRemoved++
		}
	}
	for a, v := range theirs {
		if have, ok := ours[a]; ok && have == v {
			continue
		}
		if _, err := ltx.ExecContext(ctx, "INSERT INTO ml_aliases(name, alias, version) VALUES (?, ?, ?) "+
			"ON CONFLICT(name, alias) DO UPDATE SET version = excluded.version", a.name, a.alias, v); err != nil {
			return fmt.Errorf("alias %s@%s: %w", a.name, a.alias, err)
		}
		st.aliasesSet++
	}
	return nil
}
