package emulator

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

type faultKind int

const (
	faultNone faultKind = iota
	faultDrop
	fault5xx
	fault429
)

// faults draws one uniform number per PostHog request from a seeded PRNG, so a
// given -fault-seed and request order reproduce the same faults.
type faults struct {
	mu                sync.Mutex
	rng               *rand.Rand
	pDrop, p5xx, p429 float64
}

func newFaults(cfg Config) *faults {
	seed := uint64(cfg.FaultSeed)
	if cfg.FaultSeed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	return &faults{
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		pDrop: cfg.FaultDrop, p5xx: cfg.Fault5xx, p429: cfg.Fault429,
	}
}

func (f *faults) pick() faultKind {
	if f.pDrop <= 0 && f.p5xx <= 0 && f.p429 <= 0 {
		return faultNone
	}
	f.mu.Lock()
	u := f.rng.Float64()
	f.mu.Unlock()
	switch {
	case u < f.pDrop:
		return faultDrop
	case u < f.pDrop+f.p5xx:
		return fault5xx
	case u < f.pDrop+f.p5xx+f.p429:
		return fault429
	}
	return faultNone
}

// dropConnection closes the TCP connection without writing a response.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Not hijackable (e.g. HTTP/2): make net/http abort the stream instead.
	panic(http.ErrAbortHandler)
}
