// Command etcd runs etcd's own server entry point, unchanged. Debian ships
// etcd 3.4, which is end-of-life and lacks the watch-progress features that a
// 1.34 kube-apiserver uses, so the local stack builds 3.6 from Go modules.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
