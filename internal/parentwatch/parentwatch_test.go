package parentwatch

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestWatchCallsGoneWhenTheParentChanges(t *testing.T) {
	var ppid atomic.Int64
	ppid.Store(4242)
	called := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(context.Background(), 4242, time.Millisecond, func() int { return int(ppid.Load()) }, func() { close(called) })
	}()
	select {
	case <-called:
		t.Fatal("gone was called while the parent was alive")
	case <-time.After(50 * time.Millisecond):
	}
	ppid.Store(1) // Terraform killed: re-parented to init
	select {
	case <-called:
	case <-time.After(5 * time.Second):
		t.Fatal("gone was not called after the parent changed")
	}
	<-done
}

func TestWatchStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(ctx, 7, time.Millisecond, func() int { return 7 }, func() { t.Error("gone called with the parent alive") })
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after its context was cancelled")
	}
}
