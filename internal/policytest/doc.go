// Package policytest runs the example Conftest policies (examples/policies)
// over real plans of the example erasure pipeline (examples/erasure-pipeline)
// made by the Terraform CLI against the in-process PostHog emulator, and the
// drift-review report (examples/drift-review) over a real drift plan. It has
// only tests.
package policytest
