// pkdq hosts the pickle_ext model registry on a dqlite cluster (Raft-replicated SQLite).
//
//	pkdq -dir DIR -bind HOST:PORT [-join HOST:PORT,...] -ext dist/pickle_ext.so   run a node
//	pkdq sync -cluster HOST:PORT,... -to local.db -ext dist/pickle_ext.so          copy to a scoring host
//	pkdq register -cluster HOST:PORT,... -name NAME [-alias A] FILE...          register, retrying
//
// A node registers the extension with sqlite3_auto_extension before dqlite starts, so every
// connection dqlite opens has pickle_ext's functions; the first node of a new cluster creates the
// registry (the script of ml_registry_sql()). Clients talk to the cluster with the stock dqlite
// shell or any go-dqlite client: dqlite -s h1,h2,h3 registry "SELECT model_predict('churn', 1, 2)".
// docs/cluster.md has the whole story.
package main

import (
	"fmt"
	"os"
	"strings"
)

const usage = `usage:
  pkdq [node] -dir DIR -bind HOST:PORT [-join HOST:PORT,...] [-ext PATH] [-db NAME]
  pkdq sync -cluster HOST:PORT,... -to FILE.db [-ext PATH] [-db NAME]
  pkdq register -cluster HOST:PORT,... -name NAME [-alias ALIAS] [-ext PATH] FILE...
(each command's -h lists its options; docs/cluster.md)
`

func main() {
	args := os.Args[1:]
	cmd := "node"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "node":
		err = runNode(args)
	case "sync":
		err = runSync(args)
	case "register":
		err = runRegister(args)
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "pkdq %s: %v\n", cmd, err)
		os.Exit(1)
	}
}

// splitAddrs turns "h1:p1, h2:p2" into its addresses.
func splitAddrs(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}
