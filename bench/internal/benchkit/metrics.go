package benchkit

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
)

// Metrics reads the server's Prometheus /metrics and sums every sample
// whose series starts with one of prefixes (name, or name{labels…}).
func Metrics(base string, prefixes ...string) (map[string]float64, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := make(map[string]float64, len(prefixes))
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		series, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		for _, p := range prefixes {
			if series == p || strings.HasPrefix(series, p+"{") {
				v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
				if err == nil {
					out[p] += v
				}
			}
		}
	}
	return out, sc.Err()
}
