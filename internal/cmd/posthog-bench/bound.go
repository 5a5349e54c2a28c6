package main

import (
	"math"
	"time"
)

// Rate is one throttle class of the PostHog API: N requests per sliding Window.
type Rate struct {
	N      int
	Window time.Duration
}

// The personal-API-key throttles the emulator applies to the persons API:
// deletions (DELETE /persons/:id/, POST bulk_delete) count against both
// delete rates, every other persons call against the burst rate.
var (
	deleteRates = []Rate{{480, time.Minute}, {4800, time.Hour}}
	readRates   = []Rate{{240, time.Minute}}
)

// lowerBound is the least time, from the first request to the last, in which
// n requests can pass the sliding-window throttles rates, every window being
// divided by scale (as the emulator's RateLimitScale does). The first
// window's allowance goes out at once; request i can go no earlier than
// request i-N of each rate plus that rate's window. Greedy is optimal here,
// so this is exact.
func lowerBound(n int, rates []Rate, scale float64) time.Duration {
	if n <= 1 {
		return 0
	}
	if scale <= 0 {
		scale = 1
	}
	t := make([]time.Duration, n)
	for i := 1; i < n; i++ {
		ti := t[i-1]
		for _, r := range rates {
			if r.N > 0 && i >= r.N {
				if c := t[i-r.N] + r.Window; c > ti {
					ti = c
				}
			}
		}
		t[i] = ti
	}
	return time.Duration(math.Round(float64(t[n-1]) / scale))
}

// rateBound is the lower bound for d deletions and r reads: the two go
// through independent throttles, so the slower of the two decides.
func rateBound(d, r int, scale float64) time.Duration {
	return max(lowerBound(d, deleteRates, scale), lowerBound(r, readRates, scale))
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}
