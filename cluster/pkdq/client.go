package main

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/canonical/go-dqlite/client"
	"github.com/canonical/go-dqlite/driver"
)

// clusterFlags declares the options of every command that is a client of the cluster.
func clusterFlags(fs *flag.FlagSet) (cluster, db *string) {
	return fs.String("cluster", "", "comma-separated HOST:PORT of cluster nodes"),
		fs.String("db", "registry", "name of the registry's database in the cluster")
}

// openCluster opens database `name` of the cluster whose nodes include `addrs`: statements go
// to the leader, found through any node that answers.
func openCluster(addrs []string, name string) (*sql.DB, error) {
	if len(addrs) == 0 {
		return nil, errors.New("-cluster: at least one HOST:PORT is required")
	}
	store := client.NewInmemNodeStore()
	infos := make([]client.NodeInfo, len(addrs))
	for i, a := range addrs {
		infos[i] = client.NodeInfo{Address: a}
	}
	if err := store.Set(context.Background(), infos); err != nil {
		return nil, err
	}
	drv, err := driver.New(store, driver.WithConnectionTimeout(5*time.Second))
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector{drv, name}), nil
}

// connector hands database/sql the dqlite driver without registering it under a global name.
type connector struct {
	drv  *driver.Driver
	name string
}

func (c connector) Connect(context.Context) (sqldriver.Conn, error) { return c.drv.Open(c.name) }
func (c connector) Driver() sqldriver.Driver                        { return c.drv }

// retry runs f until it succeeds, each attempt bounded by `attempt`, for at most `total`: a
// leader that died is replaced by an election within seconds, and the attempt that was cut off
// may or may not have committed, so f must be idempotent (a registration of the same bytes is).
func retry(total, attempt time.Duration, f func(ctx context.Context) error) error {
	end := time.Now().Add(total)
	for n := 1; ; n++ {
		ctx, cancel := context.WithTimeout(context.Background(), attempt)
		err := f(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if !retriable(err) || time.Now().After(end) {
			return fmt.Errorf("after %d attempts: %w", n, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// retriable says whether err may be a lost connection or leader rather than a refusal by the
// registry (an SQL error such as a refused pickle never goes away by retrying).
func retriable(err error) bool {
	var se driver.Error
	if errors.As(err, &se) {
		// SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR (dqlite: leadership lost mid-commit)
		switch se.Code & 0xff {
		case 5, 6, 10:
			return true
		}
		return false
	}
	return true // a lost connection, no leader yet, an attempt's deadline
}
