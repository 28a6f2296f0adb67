//go:build !unix

package webhook

import "time"

// processCPU is not measured here: the CPU metric reads zero.
func processCPU() time.Duration { return 0 }
