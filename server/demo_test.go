package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemo starts the demo as a newcomer would, writes to the bot through
// the simulator's control API and reads the bot's answer back, then starts
// it again on the same data to check that it reuses what it set up.
func TestDemo(t *testing.T) {
	dataDir := t.TempDir()
	for round := 1; round <= 2; round++ {
		env := map[string]string{"INTALOS_DATA_DIR": dataDir, "INTALOS_ADDR": freeAddr(t), "INTALOS_LOG_LEVEL": "warn"}
		ctx, cancel := context.WithCancel(context.Background())
		stdout := &syncBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"demo"}, func(k string) string { return env[k] }, stdout, io.Discard)
		}()
		waitFor(t, "the demo to start", func() bool { return strings.Contains(stdout.String(), "demo is running") })

		sim := regexp.MustCompile(`Meta simulator\s+(http://\S+)`).FindStringSubmatch(stdout.String())[1]
		resp, err := http.Post(sim+"/simulator/inbound", "application/json",
			strings.NewReader(`{"from": "4915112345678", "name": "Ada", "text": "hi"}`))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("run %d: inbound through the control API: %v %v", round, resp, err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(answer), `"webhookStatus":200`) {
			t.Fatalf("run %d: the simulator's webhook post was answered %s", round, answer)
		}
		// The first run starts the conversation; the second finds it
		// waiting at the buttons and asks again.
		want := map[int]string{1: "Welcome to the demo coffee shop", 2: "Please tap one of the buttons"}[round]
		sent := func() string {
			resp, err := http.Get(sim + "/simulator/sent?to=4915112345678")
			if err != nil {
				return ""
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return string(body)
		}
		waitFor(t, fmt.Sprintf("run %d: the bot's answer %q at the simulator", round, want),
			func() bool { return strings.Contains(sent(), want) },
			func() { t.Logf("the simulator saw: %s", sent()) })
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d: demo returned %v", round, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("run %d: demo did not stop", round)
		}
	}
}
