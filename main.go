// Command terraform-provider-posthog serves the PostHog persons provider over
// the Terraform plugin protocol 6.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"runtime/debug"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/posthog-persons/terraform-provider-posthog/internal/parentwatch"
	"github.com/posthog-persons/terraform-provider-posthog/internal/pluginlog"
	"github.com/posthog-persons/terraform-provider-posthog/internal/provider"
)

// version is set by the release build (goreleaser ldflags); "dev" otherwise.
var version = "dev"

// registryAddress is the provider's source address; dev_overrides and the
// registry both use it.
const registryAddress = "registry.terraform.io/posthog-persons/posthog"

// defaultMemoryLimit is the provider's soft memory limit unless GOMEMLIMIT
// says otherwise. A plan or apply of thousands of resources makes a lot of
// short-lived garbage, and with the default GC pacing the heap grew to twice
// what was live: 307 MB peak RSS for 2,000 resources at -parallelism=50,
// and 190 MB for the same CPU time with a soft limit of 180 MiB. Terraform
// runs the provider beside itself and other plugins, so it should not hold
// memory it does not need. It is a soft limit: a larger live heap still gets
// the memory it needs.
const defaultMemoryLimit = 200 << 20

// orphanCheckEvery is how often the provider checks that the Terraform that
// started it still runs: a second is nothing next to a command's length.
const orphanCheckEvery = time.Second

func main() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}

	var debugMode bool
	flag.BoolVar(&debugMode, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.Parse()

	// Before any logger exists: the SDK reads its levels when it starts. A
	// provider started with -debug writes its logs to the developer's
	// terminal, not to Terraform, so its levels stay as they are.
	if !debugMode {
		if err := pluginlog.QuietenUnshown(os.LookupEnv, os.Setenv); err != nil {
			log.Fatal(err.Error())
		}
		// A Terraform killed outright cannot stop its plugin; end with it.
		go parentwatch.Watch(context.Background(), os.Getppid(), orphanCheckEvery, os.Getppid, func() {
			provider.Flush()
			os.Exit(1)
		})
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: registryAddress,
		Debug:   debugMode,
	})
	// Terraform stops the plugin server when it is done with the provider;
	// what the lookups learnt for the next command is saved then.
	provider.Flush()
	if err != nil {
		log.Fatal(err.Error())
	}
}
