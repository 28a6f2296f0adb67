package whatsapp_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

const (
	testPhoneID = "106540352242922"
	testToken   = "EAAtesttoken"
	testTo      = "+16505551234"
)

// newTestClient starts a strict simulator with one phone number and one
// never-expiring token, and a client pointed at it with fast retries.
func newTestClient(t testing.TB, opts ...whatsapp.Option) (*whatsapptest.Server, *whatsapp.Client, whatsapp.Credentials) {
	t.Helper()
	sim := whatsapptest.NewServer(t, whatsapptest.Config{})
	sim.AddPhoneNumber(testPhoneID, "15550783881")
	sim.AddToken(testToken, whatsapptest.TokenSpec{AppID: "1234"})
	opts = append([]whatsapp.Option{
		whatsapp.WithRateLimit(0, 1), // unlimited unless a test sets one
		whatsapp.WithBackoff(whatsapp.BackoffPolicy{Base: time.Millisecond, Max: 10 * time.Millisecond, MaxAttempts: 4}),
	}, opts...)
	c := whatsapp.NewClient(&http.Client{Timeout: 10 * time.Second}, sim.URL, opts...)
	return sim, c, whatsapp.Credentials{PhoneNumberID: testPhoneID, AccessToken: testToken}
}

func textMessage(body string) whatsapp.Message {
	return whatsapp.Message{To: testTo, Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: body}}
}
