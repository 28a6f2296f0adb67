package benchkit

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// Meta is the WhatsApp side of a run: the simulator of Meta's Graph API
// listening on a port in the load process, in permissive mode (any app
// with a non-empty secret, any non-empty token, any phone number id).
type Meta struct {
	*whatsapptest.Simulator
	URL string
	srv *http.Server
}

// The app and number every tool registers; the simulator accepts them all.
const (
	AppID         = "1234567890"
	AppSecret     = "bench-app-secret-value"
	ShortToken    = "EAAbench-short-lived-token"
	WABAID        = "102290129340398"
	PhoneNumberID = "106540352242922"
	DisplayNumber = "15550783881"
)

// StartMeta serves a simulator on a free loopback port. onRequest, when
// set, is called once per request the simulator answered, after it
// answered (sends carry "to=+<wa_id> type=… wamid=…" in Detail).
func StartMeta(onRequest func(whatsapptest.LogEntry)) (*Meta, error) {
	sim := whatsapptest.New(whatsapptest.Config{
		Permissive:  true,
		WABAID:      WABAID,
		Log:         onRequest,
		MaxRecorded: 1000,
	})
	sim.AddPhoneNumber(PhoneNumberID, DisplayNumber)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m := &Meta{Simulator: sim, URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}}
	go m.srv.Serve(ln)
	return m, nil
}

// Close stops the listener and the simulator's background posts.
func (m *Meta) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.srv.Shutdown(ctx)
	m.Simulator.Close()
}
