package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat
// (100 on every Linux architecture Go supports).
const clockTicks = 100

// procMonitor samples the provider processes Terraform starts (its children
// whose executable is the built provider): their peak RSS (VmHWM) and their
// CPU time, read from /proc until each process exits. Linux only; elsewhere
// it reports nothing.
type procMonitor struct {
	exe    string
	parent int
	every  time.Duration

	mu     sync.Mutex
	peakKB map[int]int64
	ticks  map[int]int64

	stop chan struct{}
	done chan struct{}
}

func startProcMonitor(exe string, parent int, every time.Duration) *procMonitor {
	m := &procMonitor{
		exe: exe, parent: parent, every: every,
		peakKB: map[int]int64{}, ticks: map[int]int64{},
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	go m.loop()
	return m
}

func (m *procMonitor) loop() {
	defer close(m.done)
	t := time.NewTicker(m.every)
	defer t.Stop()
	for {
		m.sample()
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
	}
}

// Stop ends the sampling and returns the largest VmHWM of any provider
// process in bytes, their summed CPU time, and how many there were.
func (m *procMonitor) Stop() (peak int64, cpu time.Duration, procs int) {
	close(m.stop)
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	var ticks int64
	for pid, kb := range m.peakKB {
		peak = max(peak, kb*1024)
		ticks += m.ticks[pid]
	}
	return peak, time.Duration(ticks) * time.Second / clockTicks, len(m.peakKB)
}

func (m *procMonitor) sample() {
	for _, pid := range childPIDs(m.parent) {
		exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
		if err != nil || exe != m.exe {
			continue
		}
		kb, okHWM := readVmHWM(pid)
		ticks, okCPU := readCPUTicks(pid)
		m.mu.Lock()
		if okHWM && kb > m.peakKB[pid] {
			m.peakKB[pid] = kb
		}
		if okCPU && ticks > m.ticks[pid] {
			m.ticks[pid] = ticks
		}
		m.mu.Unlock()
	}
}

// childPIDs lists the direct children of pid from /proc/<pid>/task/*/children.
func childPIDs(pid int) []int {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	var out []int
	for _, f := range tasks {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, field := range strings.Fields(string(raw)) {
			if n, err := strconv.Atoi(field); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// readVmHWM reads the peak resident set size, in kB, from /proc/<pid>/status.
func readVmHWM(pid int) (int64, bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	return parseVmHWM(string(raw))
}

func parseVmHWM(status string) (int64, bool) {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0, false
			}
			n, err := strconv.ParseInt(f[0], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// readCPUTicks reads utime+stime of the process from /proc/<pid>/stat.
func readCPUTicks(pid int) (int64, bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	return parseCPUTicks(string(raw))
}

func parseCPUTicks(stat string) (int64, bool) {
	// The command name (field 2) may hold spaces: count fields after its ')'.
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	return u + s, err1 == nil && err2 == nil
}
