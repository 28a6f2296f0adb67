package whatsapptest_test

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

const textBody = `{"messaging_product":"whatsapp","to":"+1 (650) 555-1234","type":"text","text":{"body":"hi"}}`

func TestSendAnswersLikeMeta(t *testing.T) {
	sim := newSim(t, whatsapptest.Config{})
	a := post(t, sim.URL+"/v21.0/"+phoneID+"/messages", token, textBody)
	if a.status != 200 || len(a.Messages) != 1 || len(a.Contacts) != 1 {
		t.Fatalf("answer = %+v, want 200 with one contact and one message", a)
	}
	if got, want := a.Contacts[0].Input, "+1 (650) 555-1234"; got != want {
		t.Errorf("input = %q, want %q", got, want)
	}
	if got, want := a.Contacts[0].WAID, "16505551234"; got != want {
		t.Errorf("wa_id = %q, want %q", got, want)
	}
	reqs := sim.Requests()
	if len(reqs) != 1 || reqs[0].WAMID != a.Messages[0].ID || string(reqs[0].Body) != textBody {
		t.Errorf("recorded %+v, want the send verbatim with its wamid", reqs)
	}
}

func TestAuthAndRouting(t *testing.T) {
	sim := newSim(t, whatsapptest.Config{})
	sim.AddToken("EAAold", whatsapptest.TokenSpec{ExpiresAt: time.Now().Add(-time.Hour)})
	tests := []struct {
		name        string
		path, token string
		wantStatus  int
		wantCode    int
		wantSubcode int
	}{
		{"no token", "/v21.0/" + phoneID + "/messages", "", 400, 104, 0},
		{"unparseable token", "/v21.0/" + phoneID + "/messages", "garbage", 401, 190, 0},
		{"expired token", "/v21.0/" + phoneID + "/messages", "EAAold", 400, 190, 463},
		{"unknown phone number id", "/v21.0/999/messages", token, 400, 100, 33},
		{"unknown path", "/v21.0/" + phoneID + "/messages/extra", token, 400, 2500, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := post(t, sim.URL+tt.path, tt.token, textBody)
			if a.status != tt.wantStatus || a.code() != tt.wantCode || a.Error.Subcode != tt.wantSubcode {
				t.Errorf("got %d %d/%d, want %d %d/%d (%+v)", a.status, a.code(), a.Error.Subcode,
					tt.wantStatus, tt.wantCode, tt.wantSubcode, a.Error)
			}
		})
	}
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("recorded %d rejected requests, want none", n)
	}
}

func TestFaults(t *testing.T) {
	url := func(sim *whatsapptest.Server) string { return sim.URL + "/v21.0/" + phoneID + "/messages" }

	t.Run("throttling with Retry-After, then recovery", func(t *testing.T) {
		sim := newSim(t, whatsapptest.Config{})
		sim.SetFaults(phoneID, whatsapptest.Faults{Throttle: 2, RetryAfter: 3 * time.Second})
		for range 2 {
			a := post(t, url(sim), token, textBody)
			if a.status != 429 || a.code() != 130429 || a.header.Get("Retry-After") != "3" {
				t.Fatalf("got %d code %d Retry-After %q, want 429 130429 3", a.status, a.code(), a.header.Get("Retry-After"))
			}
		}
		if a := post(t, url(sim), token, textBody); a.status != 200 {
			t.Errorf("third send: %d, want 200 once the throttling ran out", a.status)
		}
	})
	t.Run("server errors", func(t *testing.T) {
		sim := newSim(t, whatsapptest.Config{})
		sim.SetFaults(phoneID, whatsapptest.Faults{ServerErrors: 1})
		if a := post(t, url(sim), token, textBody); a.status != 500 || a.code() != 2 {
			t.Errorf("got %d code %d, want 500 code 2", a.status, a.code())
		}
	})
	t.Run("latency", func(t *testing.T) {
		sim := newSim(t, whatsapptest.Config{})
		sim.SetFaults(phoneID, whatsapptest.Faults{Latency: 100 * time.Millisecond})
		start := time.Now()
		post(t, url(sim), token, textBody)
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Errorf("answered in %v, want at least 100ms", d)
		}
	})
	t.Run("dropped connection", func(t *testing.T) {
		sim := newSim(t, whatsapptest.Config{})
		sim.SetFaults(phoneID, whatsapptest.Faults{DropConnections: 1})
		resp, err := http.Post(url(sim), "application/json", bytes.NewBufferString(textBody))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("got HTTP %d, want the connection dropped", resp.StatusCode)
		}
	})
	t.Run("faults are per phone number", func(t *testing.T) {
		sim := newSim(t, whatsapptest.Config{})
		sim.AddPhoneNumber("200", "15550000200")
		sim.SetFaults("200", whatsapptest.Faults{ExpiredToken: true})
		if a := post(t, url(sim), token, textBody); a.status != 200 {
			t.Errorf("other number: %d, want 200", a.status)
		}
		if a := post(t, sim.URL+"/v21.0/200/messages", token, textBody); a.code() != 190 {
			t.Errorf("faulty number: code %d, want 190", a.code())
		}
		sim.ClearFaults("200")
		if a := post(t, sim.URL+"/v21.0/200/messages", token, textBody); a.status != 200 {
			t.Errorf("after ClearFaults: %d, want 200", a.status)
		}
	})
}

func TestRecordsConcurrentSends(t *testing.T) {
	sim := newSim(t, whatsapptest.Config{})
	const n = 40
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			post(t, sim.URL+"/v21.0/"+phoneID+"/messages", token, textBody)
		}()
	}
	wg.Wait()
	reqs := sim.Requests()
	seen := make(map[string]bool)
	for _, r := range reqs {
		seen[r.WAMID] = true
	}
	if len(reqs) != n || len(seen) != n {
		t.Errorf("recorded %d requests with %d distinct wamids, want %d", len(reqs), len(seen), n)
	}
}

func TestPermissiveMode(t *testing.T) {
	sim := whatsapptest.NewServer(t, whatsapptest.Config{Permissive: true})
	sim.AddApp("1234", "right")
	if a := post(t, sim.URL+"/v21.0/777/messages", "any-token", textBody); a.status != 200 {
		t.Errorf("permissive send: %d %+v, want 200", a.status, a.Error)
	}
	if a := post(t, sim.URL+"/v21.0/777/messages", "", textBody); a.code() != 104 {
		t.Errorf("permissive send without a token: code %d, want 104", a.code())
	}
	exchange := func(app, secret string) graphAnswer {
		return get(t, sim.URL+"/v21.0/oauth/access_token?grant_type=fb_exchange_token&client_id="+app+
			"&client_secret="+secret+"&fb_exchange_token=EAAshort", "")
	}
	if a := exchange("5678", "anything"); a.status != 200 {
		t.Errorf("unknown app in permissive mode: %d, want 200", a.status)
	}
	if a := exchange("1234", "wrong"); a.code() != 1 || a.Error.Message != "Error validating client secret." {
		t.Errorf("registered app with a wrong secret: %+v, want code 1", a.Error)
	}
}

func TestLogNeverShowsSecrets(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	sim := newSim(t, whatsapptest.Config{Log: func(e whatsapptest.LogEntry) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, e.String())
	}})
	sim.AddApp("1234", "app-secret")
	get(t, sim.URL+"/v21.0/oauth/access_token?grant_type=fb_exchange_token&client_id=1234&client_secret=app-secret&fb_exchange_token="+token, "")
	post(t, sim.URL+"/v21.0/"+phoneID+"/messages", token, textBody)
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 2 {
		t.Fatalf("logged %d lines, want 2: %q", len(lines), lines)
	}
	for _, l := range lines {
		if strings.Contains(l, "app-secret") || strings.Contains(l, token) {
			t.Errorf("log line %q shows a secret", l)
		}
	}
}
