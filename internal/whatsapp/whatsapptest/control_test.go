package whatsapptest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// TestControl plays a user by hand: the control API makes the simulator
// post signed inbound webhooks, replies quote the business's last message,
// and what the business sent is listed.
func TestControl(t *testing.T) {
	const secret = "control-secret"
	var (
		mu       sync.Mutex
		received []map[string]any
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Hub-Signature-256") != whatsapptest.Sign(body, secret) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p struct {
			Entry []struct {
				Changes []struct {
					Value struct{ Messages []map[string]any }
				}
			}
		}
		json.Unmarshal(body, &p)
		mu.Lock()
		received = append(received, p.Entry[0].Changes[0].Value.Messages[0])
		mu.Unlock()
	}))
	defer hook.Close()

	sim := newSim(t, whatsapptest.Config{})
	mux := http.NewServeMux()
	mux.Handle("/", sim)
	whatsapptest.NewControl(sim.Simulator, whatsapptest.Webhook{URL: hook.URL, AppSecret: secret}, phoneID).Register(mux)
	ctl := httptest.NewServer(mux)
	defer ctl.Close()

	postJSON := func(body string) int {
		resp, err := http.Post(ctl.URL+"/simulator/inbound", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := postJSON(`{"from": "4915112345678", "text": "hello"}`); code != http.StatusOK {
		t.Fatalf("inbound text: %d", code)
	}
	sent := post(t, ctl.URL+"/v21.0/"+phoneID+"/messages", token,
		`{"messaging_product":"whatsapp","to":"+4915112345678","type":"text","text":{"body":"hi"}}`)
	if len(sent.Messages) != 1 {
		t.Fatalf("send through the control server's Graph API: %+v", sent)
	}
	if code := postJSON(`{"from": "4915112345678", "button": "tea", "title": "Tea"}`); code != http.StatusOK {
		t.Fatalf("inbound button: %d", code)
	}
	if code := postJSON(`{"text": "no sender"}`); code != http.StatusBadRequest {
		t.Errorf("inbound without from: %d, want 400", code)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(received) != 2 || received[0]["type"] != "text" || received[1]["type"] != "interactive" {
		t.Fatalf("webhook received %v, want a text then an interactive reply", received)
	}
	ctx, _ := received[1]["context"].(map[string]any)
	if ctx["id"] != sent.Messages[0].ID {
		t.Errorf("button reply quotes %v, want the business's last message %s", ctx["id"], sent.Messages[0].ID)
	}

	resp, err := http.Get(ctl.URL + "/simulator/sent?to=4915112345678")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct{ WAMID, Type string }
	json.NewDecoder(resp.Body).Decode(&list)
	if len(list) != 1 || list[0].WAMID != sent.Messages[0].ID || list[0].Type != "text" {
		t.Errorf("sent list = %+v, want the one text", list)
	}
}
