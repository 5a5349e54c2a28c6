package emulator

import (
	"maps"
	"sync"
)

// Stats is the /_emulator/stats document: request counts by "METHOD pattern" and status.
type Stats struct {
	Total  int                       `json:"total"`
	Routes map[string]map[string]int `json:"routes"`
}

// Count sums all statuses for one method and route pattern, e.g.
// Count("POST", "/api/projects/{project_id}/persons/bulk_delete/").
func (s Stats) Count(method, pattern string) int {
	n := 0
	for _, c := range s.Routes[method+" "+pattern] {
		n += c
	}
	return n
}

type statsRecorder struct {
	mu     sync.Mutex
	total  int
	routes map[string]map[string]int
}

func newStatsRecorder() *statsRecorder {
	return &statsRecorder{routes: map[string]map[string]int{}}
}

func (r *statsRecorder) record(key, status string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total++
	m := r.routes[key]
	if m == nil {
		m = map[string]int{}
		r.routes[key] = m
	}
	m[status]++
}

func (r *statsRecorder) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := Stats{Total: r.total, Routes: make(map[string]map[string]int, len(r.routes))}
	for k, v := range r.routes {
		out.Routes[k] = maps.Clone(v)
	}
	return out
}

func (r *statsRecorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total = 0
	r.routes = map[string]map[string]int{}
}

// Stats returns a copy of the request counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ResetStats zeroes the request counters.
func (s *Server) ResetStats() { s.stats.reset() }
