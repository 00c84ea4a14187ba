// Command flightdeck-k8s is one multi-call binary for the local stack's
// Kubernetes: the control plane (kube-apiserver, kube-controller-manager,
// kube-scheduler), kubectl, the real node's kubelet and kube-proxy, and two
// small node helpers (ecr-credential-provider, cri-reset). Linking them
// together once (instead of once each) saves most of the link time and disk
// on a 2-core machine: the kubelet shares almost all its packages with the
// controller manager.
//
// It picks the component from the name it was invoked by (a symlink named
// kube-apiserver, kubectl, ...) or, when run under its own name, from the
// first argument: `flightdeck-k8s kubectl get pods`.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubeproxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

// daemons run a cobra command and exit with its status, as upstream mains do.
var daemons = map[string]func() *cobra.Command{
	"kube-apiserver":          apiserver.NewAPIServerCommand,
	"kube-controller-manager": controllermanager.NewControllerManagerCommand,
	"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
	"kubelet":                 func() *cobra.Command { return kubelet.NewKubeletCommand(context.Background()) },
	"kube-proxy":              kubeproxy.NewProxyCommand,
}

// helpers are the node's small tools: plain functions of their arguments that
// return an exit code, without cobra's flag set (the kubelet execs the
// credential provider with no arguments and speaks JSON on stdin/stdout).
var helpers = map[string]func(args []string) int{
	"ecr-credential-provider": runECRCredentialProvider,
	"cri-reset":               runCRIReset,
}

func main() {
	name := filepath.Base(os.Args[0])
	if !isComponent(name) {
		if len(os.Args) < 2 {
			usage()
			os.Exit(2)
		}
		// Shift so that every component sees itself as argv[0], exactly as
		// when invoked through its symlink (kubectl's plugin lookup reads os.Args).
		os.Args = os.Args[1:]
		name = filepath.Base(os.Args[0])
	}

	if name == "kubectl" {
		runKubectl()
		return
	}
	if helper, known := helpers[name]; known {
		os.Exit(helper(os.Args[1:]))
	}
	newCommand, known := daemons[name]
	if !known {
		fmt.Fprintf(os.Stderr, "flightdeck-k8s: unknown component %q\n", name)
		usage()
		os.Exit(2)
	}
	os.Exit(cli.Run(newCommand()))
}

// runKubectl mirrors upstream cmd/kubectl: errors are printed by kubectl's
// own CheckErr so exit codes and messages match a stock kubectl.
func runKubectl() {
	command := kubectlcmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		kubectlutil.CheckErr(err)
	}
}

func isComponent(name string) bool {
	_, daemon := daemons[name]
	_, helper := helpers[name]
	return daemon || helper || name == "kubectl"
}

func usage() {
	names := []string{"kubectl"}
	for name := range daemons {
		names = append(names, name)
	}
	for name := range helpers {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Fprintf(os.Stderr, "usage: flightdeck-k8s <%s> [flags]\n", strings.Join(names, "|"))
}
