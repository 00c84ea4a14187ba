//go:build tools

// Records the KWOK command as a dependency so `go mod tidy` keeps its
// requirements; the binary itself is built with `go build sigs.k8s.io/kwok/cmd/kwok`.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
