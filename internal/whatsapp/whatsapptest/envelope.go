package whatsapptest

import "encoding/json"

// The webhook envelope for the "messages" field
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages).
type envelope struct {
	Object string  `json:"object"`
	Entry  []entry `json:"entry"`
}

type entry struct {
	ID      string   `json:"id"`
	Changes []change `json:"changes"`
}

type change struct {
	Value value  `json:"value"`
	Field string `json:"field"`
}

type value struct {
	MessagingProduct string            `json:"messaging_product"`
	Metadata         metadata          `json:"metadata"`
	Contacts         []contact         `json:"contacts,omitempty"`
	Messages         []json.RawMessage `json:"messages,omitempty"`
	Statuses         []statusItem      `json:"statuses,omitempty"`
}

type metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

type contact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WAID string `json:"wa_id"`
}

func (s *Simulator) envelope(p phoneNumber, v value) ([]byte, error) {
	v.MessagingProduct = "whatsapp"
	v.Metadata = metadata{DisplayPhoneNumber: p.display, PhoneNumberID: p.id}
	return json.Marshal(envelope{
		Object: "whatsapp_business_account",
		Entry:  []entry{{ID: s.cfg.WABAID, Changes: []change{{Value: v, Field: "messages"}}}},
	})
}
