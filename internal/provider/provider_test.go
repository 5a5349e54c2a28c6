package provider_test

import (
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/provider"
)

// The provider served in this process saves its lookup roster a second
// after the last lookup; each test's journal directory is flushed before it
// is removed (see acctest.TempJournalDir).
func init() { acctest.FlushInProcessProvider = provider.Flush }

// protoV6ProviderFactories serves the provider in-process; the Terraform CLI
// that terraform-plugin-testing runs attaches to it.
var protoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"posthog": providerserver.NewProtocol6WithError(provider.New("test")()),
}
