// Command terraform-provider-posthog serves the PostHog persons provider over
// the Terraform plugin protocol 6.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/posthog-persons/terraform-provider-posthog/internal/provider"
)

// version is set by the release build (goreleaser ldflags); "dev" otherwise.
var version = "dev"

// registryAddress is the provider's source address; dev_overrides and the
// registry both use it.
const registryAddress = "registry.terraform.io/posthog-persons/posthog"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: registryAddress,
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
