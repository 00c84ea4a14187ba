package main

// Side-effect imports that upstream's cmd/kube-* mains carry, kept in one file
// so `go mod tidy` keeps their requirements: the JSON logging format, client-go
// and version metrics, and embedded tz data for CronJob time zones.
import (
	_ "time/tzdata"

	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
)
