// Package parentwatch ends a provider process whose Terraform is gone.
//
// Terraform starts the provider as its child and stops it when done. A
// Terraform killed outright (SIGKILL, a CI runner's timeout) cannot, and the
// plugin server keeps listening for a client that will never come back. The
// plugin SDK used to end such an orphan by accident: it wrote TRACE lines to
// the dead Terraform's pipe and died of SIGPIPE. Since the provider quietens
// the lines Terraform would drop (internal/pluginlog), it watches its parent
// instead.
package parentwatch

import (
	"context"
	"time"
)

// Watch checks every interval whether the process that started this one has
// ended, which shows as a parent id other than parent (the kernel hands an
// orphan to init or a subreaper), and then calls gone once. It returns after
// calling gone, or when ctx is done.
func Watch(ctx context.Context, parent int, interval time.Duration, getppid func() int, gone func()) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if getppid() != parent {
				gone()
				return
			}
		}
	}
}
