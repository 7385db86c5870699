package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"
)

// pkdq register: registers each file as a new version of -name (its aliases set), retrying
// through leader changes until the cluster acknowledges it, and prints "FILE VERSION" per file
// once acknowledged. Retrying is safe: the registry returns the existing version for bytes it
// already holds under that name, so an attempt that committed but whose answer was lost leaves
// no duplicate.
func runRegister(args []string) error {
	fs := flag.NewFlagSet("pkdq register", flag.ContinueOnError)
	cluster, dbName := clusterFlags(fs)
	name := fs.String("name", "", "model name")
	alias := fs.String("alias", "", "alias to point at the version (optional)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on a file after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" || fs.NArg() == 0 {
		return errors.New("-name and at least one FILE are required")
	}
	db, err := openCluster(splitAddrs(*cluster), *dbName)
	if err != nil {
		return err
	}
	defer db.Close()
	var aliases interface{}
	if *alias != "" {
		aliases = *alias
	}
	for _, file := range fs.Args() {
		blob, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		var version int64
		err = retry(*timeout, 5*time.Second, func(ctx context.Context) error {
			v, err := registerOnce(ctx, db, *name, blob, aliases)
			version = v
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		fmt.Printf("%s %d\n", file, version)
	}
	return nil
}

// registerOnce registers blob and returns the live version holding it (new or existing).
func registerOnce(ctx context.Context, db *sql.DB, name string, blob []byte, aliases interface{}) (int64, error) {
	if _, err := db.ExecContext(ctx,
		"INSERT INTO ml_registry(name, pickle, aliases) VALUES (?, ?, ?)", name, blob, aliases); err != nil {
		return 0, err
	}
	var v sql.NullInt64
	err := db.QueryRowContext(ctx,
		"SELECT max(version) FROM ml_versions WHERE name = ? AND sha256 = pickle_sha256(?) "+
			"AND deleted_at IS NULL", name, blob).Scan(&v)
	if err == nil && !v.Valid {
		err = errors.New("the registration is not visible after its commit")
	}
	return v.Int64, err
}
