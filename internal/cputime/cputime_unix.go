//go:build unix

// Package cputime reads the CPU time a process has used, for benchmarks
// that report CPU per operation next to wall-clock rates: on shared cores
// it varies far less than they do.
package cputime

import (
	"syscall"
	"time"
)

// Process is the user and system CPU time this process has used so far.
func Process() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
