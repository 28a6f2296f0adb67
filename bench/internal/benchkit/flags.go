package benchkit

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseLevels reads a comma-separated list of positive numbers given to
// the flag named name (e.g. -concurrency "8,32").
func ParseLevels(name, list string) ([]int, error) {
	var levels []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-%s: %q is not a positive number", name, f)
		}
		levels = append(levels, n)
	}
	return levels, nil
}
