package acctest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// providerBinary is the file name NewCLI builds the provider into; the
// plugin processes Terraform starts run it.
const providerBinary = "terraform-provider-posthog"

// Process is a Terraform command started by Start, for tests that interrupt
// it: a signal to Terraform, to its whole process group (what a terminal's
// Ctrl-C does) or to the provider plugin it runs.
type Process struct {
	cmd     *exec.Cmd
	outPath string
	done    chan struct{}
	err     error
}

// Start runs terraform with args in the background, in a process group of
// its own (so that a signal to the group reaches Terraform and its plugins,
// and nothing else). Output goes to a file rather than a pipe, so that a
// plugin outliving a killed Terraform cannot hold Wait up.
func (c *CLI) Start(args ...string) (*Process, error) {
	out, err := os.CreateTemp("", "terraform-output-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(c.terraform, append(args[:1:1], append([]string{"-no-color"}, args[1:]...)...)...)
	cmd.Dir = c.Dir
	cmd.Env = c.env
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		_ = out.Close()
		_ = os.Remove(out.Name())
		return nil, err
	}
	_ = out.Close() // the child holds its own descriptor
	p := &Process{cmd: cmd, outPath: out.Name(), done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID is Terraform's process id, which is also its process group id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Signal sends sig to Terraform alone.
func (p *Process) Signal(sig syscall.Signal) error {
	return syscall.Kill(p.PID(), sig)
}

// SignalGroup sends sig to Terraform's process group: Terraform and the
// plugins it started, as Ctrl-C in a terminal does.
func (p *Process) SignalGroup(sig syscall.Signal) error {
	return syscall.Kill(-p.PID(), sig)
}

// ProviderPIDs returns the running provider plugins Terraform started: its
// child processes whose executable is the provider binary. Terraform starts
// one plugin per walk (validate, plan, apply), so there may be several.
func (p *Process) ProviderPIDs() []int {
	return providerChildren(p.PID())
}

// Done is closed when Terraform has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits until Terraform exits and returns its combined output and the
// error of its exit (an *exec.ExitError for a non-zero status or a signal).
// It removes the output file.
func (p *Process) Wait() (string, error) {
	<-p.done
	out, readErr := os.ReadFile(p.outPath)
	_ = os.Remove(p.outPath)
	if readErr != nil {
		return "", fmt.Errorf("reading the output of terraform: %w", readErr)
	}
	return string(out), p.err
}

// WaitForExit waits until process pid has ended (a zombie counts as ended:
// a reparented process may never be reaped in a container), for at most
// limit. It reports whether the process ended.
func WaitForExit(pid int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		if !ProcessRunning(pid) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ProcessRunning reports whether pid exists and is not a zombie.
func ProcessRunning(pid int) bool {
	state, _, ok := procStat(pid)
	return ok && state != "Z" && state != "X"
}

// providerChildren walks /proc for running children of parent that execute
// the provider binary.
func providerChildren(parent int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, ppid, ok := procStat(pid)
		if !ok || ppid != parent || state == "Z" || state == "X" {
			continue
		}
		if isProviderProcess(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// isProviderProcess reports whether pid runs the provider binary, by its
// executable or, when /proc/PID/exe cannot be read, its command line.
func isProviderProcess(pid int) bool {
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil {
		return filepath.Base(strings.TrimSuffix(exe, " (deleted)")) == providerBinary
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	argv0, _, _ := bytes.Cut(cmdline, []byte{0})
	return filepath.Base(string(argv0)) == providerBinary
}

// procStat reads the state and parent pid of pid from /proc/PID/stat.
func procStat(pid int) (state string, ppid int, ok bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, false
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return "", 0, false
	}
	fields := strings.Fields(string(data[end+1:]))
	if len(fields) < 2 {
		return "", 0, false
	}
	ppid, err = strconv.Atoi(fields[1])
	if err != nil {
		return "", 0, false
	}
	return fields[0], ppid, true
}
