package wakeup

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestWakeNeverBlocks(t *testing.T) {
	s := New()
	for range 3 {
		s.Wake() // only one is kept
	}
	<-s.C()
	select {
	case <-s.C():
		t.Fatal("a second wake-up was kept")
	default:
	}
}

// TestLoop checks that an idle loop sleeps through its poll interval until
// woken, and that a step which did work is followed at once by another.
func TestLoop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := New()
	var steps atomic.Int32
	work := make(chan bool, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Loop(ctx, s, time.Hour, func(context.Context) bool {
			steps.Add(1)
			select {
			case did := <-work:
				return did
			default:
				return false
			}
		})
	}()
	waitSteps := func(want int32) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for steps.Load() < want {
			if time.Now().After(deadline) {
				t.Fatalf("steps = %d, want %d", steps.Load(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitSteps(1) // the first step runs at once
	time.Sleep(20 * time.Millisecond)
	if n := steps.Load(); n != 1 {
		t.Fatalf("an idle loop stepped %d times before its poll interval", n)
	}
	work <- true // the next step does work, so one more follows at once
	s.Wake()
	waitSteps(3)
	cancel()
	<-done
}
