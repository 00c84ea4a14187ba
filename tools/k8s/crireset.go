package main

// cri-reset: stops and removes every pod sandbox (and container) of a CRI
// runtime, through the kubelet's own CRI client. The stack's node down runs it
// after the kubelet has stopped and before containerd does, so that containerd
// itself tears each pod down: containers killed, CNI DEL run (veth and IP
// released), the sandbox's network namespace unmounted. Debian packages no
// crictl, and this links from packages the kubelet already brings.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/otel/trace/noop"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	remote "k8s.io/cri-client/pkg"
)

func runCRIReset(args []string) int {
	flags := flag.NewFlagSet("cri-reset", flag.ContinueOnError)
	endpoint := flags.String("endpoint", "", "the CRI socket, e.g. unix:///path/containerd.sock")
	timeout := flags.Duration("timeout", 2*time.Minute, "how long the whole reset may take")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *endpoint == "" {
		fmt.Fprintln(os.Stderr, "cri-reset: --endpoint is required, e.g. --endpoint unix:///path/containerd.sock")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := resetRuntime(ctx, *endpoint); err != nil {
		fmt.Fprintf(os.Stderr, "cri-reset: %v\n", err)
		return 1
	}
	return 0
}

func resetRuntime(ctx context.Context, endpoint string) error {
	runtime, err := remote.NewRemoteRuntimeService(endpoint, 10*time.Second, noop.NewTracerProvider(), nil)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", endpoint, err)
	}
	sandboxes, err := runtime.ListPodSandbox(ctx, nil)
	if err != nil {
		return fmt.Errorf("listing pod sandboxes: %w", err)
	}
	var failures []error
	for _, sandbox := range sandboxes {
		name := sandbox.GetMetadata().GetNamespace() + "/" + sandbox.GetMetadata().GetName()
		// Stop runs CNI DEL and kills the containers; remove deletes them and the sandbox.
		if err := runtime.StopPodSandbox(ctx, sandbox.Id); err != nil {
			failures = append(failures, fmt.Errorf("stopping pod %s: %w", name, err))
			continue
		}
		if err := runtime.RemovePodSandbox(ctx, sandbox.Id); err != nil {
			failures = append(failures, fmt.Errorf("removing pod %s: %w", name, err))
			continue
		}
		fmt.Printf("removed pod sandbox %s (%s)\n", name, sandbox.Id[:12])
	}
	// A container whose sandbox went first (a crash mid-teardown) is removed on its own.
	containers, err := runtime.ListContainers(ctx, &criapi.ContainerFilter{})
	if err != nil {
		return fmt.Errorf("listing containers: %w", err)
	}
	for _, container := range containers {
		if err := runtime.RemoveContainer(ctx, container.Id); err != nil {
			failures = append(failures, fmt.Errorf("removing container %s: %w", container.GetMetadata().GetName(), err))
		}
	}
	left, err := runtime.ListPodSandbox(ctx, nil)
	if err == nil && len(left) > 0 {
		failures = append(failures, fmt.Errorf("%d pod sandboxes are still there after the reset", len(left)))
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d problems: %v", len(failures), failures)
	}
	return nil
}
