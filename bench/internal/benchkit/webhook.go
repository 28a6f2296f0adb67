package benchkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// InboundBody is Meta's webhook body for one text message from wa_id from
// to phoneNumberID, exactly as Meta shapes it.
func InboundBody(phoneNumberID, from, wamid, text string, at time.Time) []byte {
	textJSON, _ := json.Marshal(text)
	return fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":%q,"changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":%q,"phone_number_id":%q},"contacts":[{"profile":{"name":"Bench %s"},"wa_id":%q}],"messages":[{"from":%q,"id":%q,"timestamp":%q,"type":"text","text":{"body":%s}}]},"field":"messages"}]}]}`,
		WABAID, DisplayNumber, phoneNumberID, from, from, from, wamid, strconv.FormatInt(at.Unix(), 10), textJSON)
}

// PostSigned posts body to url signed with secret as Meta does and
// returns the answer's status code.
func PostSigned(client *http.Client, url, secret string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set("X-Hub-Signature-256", whatsapptest.Sign(body, secret))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Client is an HTTP client keeping up to conns connections to one host.
func Client(conns int) *http.Client {
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: time.Minute},
	}
}
