package whatsapptest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

const (
	phoneID = "106540352242922"
	token   = "EAAtesttoken"
)

func newSim(t *testing.T, cfg whatsapptest.Config) *whatsapptest.Server {
	t.Helper()
	sim := whatsapptest.NewServer(t, cfg)
	sim.AddPhoneNumber(phoneID, "15550783881")
	sim.AddToken(token, whatsapptest.TokenSpec{})
	return sim
}

// graphAnswer is the part of a Graph answer the tests look at.
type graphAnswer struct {
	status int
	header http.Header
	Error  *struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode"`
		FBTraceID string `json:"fbtrace_id"`
		ErrorData *struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
	Contacts []struct {
		Input string `json:"input"`
		WAID  string `json:"wa_id"`
	} `json:"contacts"`
	Success bool `json:"success"`
}

func post(t *testing.T, url, bearer, body string) graphAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req, bearer)
}

func get(t *testing.T, url, bearer string) graphAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req, bearer)
}

func do(t *testing.T, req *http.Request, bearer string) graphAnswer {
	t.Helper()
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := graphAnswer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("answer %q is not JSON: %v", b, err)
	}
	return a
}

func (a graphAnswer) code() int {
	if a.Error == nil {
		return 0
	}
	return a.Error.Code
}

func (a graphAnswer) details() string {
	if a.Error == nil || a.Error.ErrorData == nil {
		return ""
	}
	return a.Error.ErrorData.Details
}
