package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/canonical/go-dqlite/app"
	"github.com/canonical/go-dqlite/client"
)

func runNode(args []string) error {
	fs := flag.NewFlagSet("pkdq node", flag.ContinueOnError)
	dir := fs.String("dir", "", "data directory of this node (created when missing; keeps its identity and Raft log)")
	bind := fs.String("bind", "", "HOST:PORT this node listens on and is known by in the cluster")
	join := fs.String("join", "", "comma-separated HOST:PORT of nodes of an existing cluster (empty on the first node: it bootstraps a new cluster)")
	ext := fs.String("ext", "dist/pickle_ext.so", "path of the pickle_ext extension")
	dbName := fs.String("db", "registry", "name of the registry's database in the cluster")
	deadline := fs.Duration("shutdown-timeout", 10*time.Second, "on SIGTERM/SIGINT: time allowed to hand leadership over and close")
	verbose := fs.Bool("v", false, "log dqlite's warnings and errors")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *bind == "" {
		return errors.New("-dir and -bind are required")
	}
	if err := registerExtension(*ext); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	_, statErr := os.Stat(filepath.Join(*dir, "info.yaml"))
	fresh := errors.Is(statErr, os.ErrNotExist)

	opts := []app.Option{app.WithAddress(*bind)}
	if peers := splitAddrs(*join); len(peers) > 0 {
		opts = append(opts, app.WithCluster(peers))
	}
	if *verbose {
		opts = append(opts, app.WithLogFunc(func(l client.LogLevel, format string, a ...interface{}) {
			if l >= client.LogWarn {
				fmt.Fprintf(os.Stderr, "pkdq %s: %s: %s\n", *bind, l, fmt.Sprintf(format, a...))
			}
		}))
	}
	node, err := app.New(*dir, opts...)
	if err != nil {
		return fmt.Errorf("start node: %w", err)
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	err = node.Ready(ctx)
	if err == nil && fresh && *join == "" {
		err = bootstrapRegistry(ctx, node, *dbName)
	}
	cancel()
	if err != nil {
		shutdown(node, *deadline)
		return err
	}
	fmt.Printf("pkdq: node %x ready at %s\n", node.ID(), node.Address())

	sig := <-stop
	fmt.Printf("pkdq: %s: shutting down\n", sig)
	return shutdown(node, *deadline)
}

// bootstrapRegistry creates the registry on a brand-new cluster: the extension writes no table
// from inside a query, so the script of ml_registry_sql() is run as statements of their own.
func bootstrapRegistry(ctx context.Context, node *app.App, name string) error {
	db, err := node.Open(ctx, name)
	if err != nil {
		return fmt.Errorf("open database %q: %w", name, err)
	}
	defer db.Close()
	if err := ensureRegistry(ctx, db); err != nil {
		return err
	}
	fmt.Printf("pkdq: registry ready in database %q\n", name)
	return nil
}

// ensureRegistry runs the script of ml_registry_sql() when ml_registry_init() says the registry
// is missing or of an earlier schema, and checks the result.
func ensureRegistry(ctx context.Context, db *sql.DB) error {
	var n int64
	if db.QueryRowContext(ctx, "SELECT ml_registry_init()").Scan(&n) == nil {
		return nil
	}
	var script string
	if err := db.QueryRowContext(ctx, "SELECT ml_registry_sql()").Scan(&script); err != nil {
		return fmt.Errorf("ml_registry_sql(): %w", err)
	}
	if _, err := db.ExecContext(ctx, script); err != nil {
		return fmt.Errorf("creating the registry: %w", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT ml_registry_init()").Scan(&n); err != nil {
		return fmt.Errorf("the registry after its script: %w", err)
	}
	return nil
}

// shutdown hands leadership and voting over to a peer when one is up, then closes the node;
// past the deadline (no peer answering, no quorum) it gives up rather than hang. What the node
// acknowledged is already in its Raft log on disk either way.
func shutdown(node *app.App, deadline time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), deadline*2/3)
	defer cancel()
	if err := node.Handover(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "pkdq: handover: %v (closing anyway)\n", err)
	}
	done := make(chan error, 1)
	go func() { done <- node.Close() }()
	select {
	case err := <-done:
		return err
	case <-time.After(deadline / 3):
		return fmt.Errorf("close did not finish within the shutdown deadline")
	}
}
