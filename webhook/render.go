package webhook

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// renderContent is the union of the per-type objects renderText reads.
// Every field is optional: an absent one renders as a bracketed label.
type renderContent struct {
	Text struct {
		Body flexString `json:"body"`
	} `json:"text"`
	Image    mediaObject `json:"image"`
	Video    mediaObject `json:"video"`
	Document mediaObject `json:"document"`
	Audio    struct {
		Voice bool `json:"voice"`
	} `json:"audio"`
	Location struct {
		Latitude  flexString `json:"latitude"`
		Longitude flexString `json:"longitude"`
		Name      flexString `json:"name"`
		Address   flexString `json:"address"`
	} `json:"location"`
	Contacts []struct {
		Name struct {
			FormattedName flexString `json:"formatted_name"`
		} `json:"name"`
	} `json:"contacts"`
	Interactive struct {
		Type        flexString `json:"type"`
		ButtonReply replyRow   `json:"button_reply"`
		ListReply   replyRow   `json:"list_reply"`
		NFMReply    struct {
			Body flexString `json:"body"`
			Name flexString `json:"name"`
		} `json:"nfm_reply"`
	} `json:"interactive"`
	Button struct {
		Text    flexString `json:"text"`
		Payload flexString `json:"payload"`
	} `json:"button"`
	Reaction struct {
		Emoji flexString `json:"emoji"`
	} `json:"reaction"`
	Order struct {
		Text         flexString        `json:"text"`
		ProductItems []json.RawMessage `json:"product_items"`
	} `json:"order"`
	System struct {
		Body flexString `json:"body"`
		Type flexString `json:"type"`
	} `json:"system"`
	Errors []wireAPIError `json:"errors"`
	Edit   struct {
		Message json.RawMessage `json:"message"`
	} `json:"edit"`
}

type mediaObject struct {
	Caption  flexString `json:"caption"`
	Filename flexString `json:"filename"`
}

type replyRow struct {
	ID          flexString `json:"id"`
	Title       flexString `json:"title"`
	Description flexString `json:"description"`
}

// maxEditDepth bounds the recursion into edit.message.
const maxEditDepth = 2

// renderText returns a short human-readable rendering of a message for
// lists and dashboards. Bots read the content, not this.
func renderText(typ string, c *renderContent) string {
	return renderDepth(typ, c, 0)
}

func renderDepth(typ string, c *renderContent, depth int) string {
	switch typ {
	case "text":
		return string(c.Text.Body)
	case "image", "video", "sticker":
		return labelled(typ, string(pick(c, typ).Caption))
	case "document":
		return labelled(firstNonEmpty(string(c.Document.Filename), "document"), string(c.Document.Caption))
	case "audio":
		if c.Audio.Voice {
			return "[voice message]"
		}
		return "[audio]"
	case "location":
		return renderLocation(c)
	case "contacts":
		names := make([]string, 0, len(c.Contacts))
		for _, k := range c.Contacts {
			names = append(names, string(k.Name.FormattedName))
		}
		return labelled("contact", strings.Join(names, ", "))
	case "interactive":
		return renderInteractive(c)
	case "button":
		return firstNonEmpty(string(c.Button.Text), string(c.Button.Payload), "[button]")
	case "reaction":
		if c.Reaction.Emoji == "" {
			return "[reaction removed]"
		}
		return labelled("reaction", string(c.Reaction.Emoji))
	case "order":
		return labelled(fmt.Sprintf("order: %d items", len(c.Order.ProductItems)), string(c.Order.Text))
	case "system":
		return labelled("system", firstNonEmpty(string(c.System.Body), string(c.System.Type)))
	case "revoke":
		return "[message deleted]"
	case "edit":
		return "[edited] " + renderEdit(c.Edit.Message, depth)
	}
	if len(c.Errors) > 0 {
		e := c.Errors[0]
		return labelled(typ, firstNonEmpty(string(e.ErrorData.Details), string(e.Details), string(e.Title)))
	}
	return "[" + typ + "]"
}

func pick(c *renderContent, typ string) mediaObject {
	switch typ {
	case "image":
		return c.Image
	case "video":
		return c.Video
	}
	return mediaObject{}
}

// labelled renders "[label] detail", or "[label]" without a detail.
func labelled(label, detail string) string {
	if detail == "" {
		return "[" + label + "]"
	}
	return "[" + label + "] " + detail
}

func renderLocation(c *renderContent) string {
	l := c.Location
	place := strings.Join(nonEmpty(string(l.Name), string(l.Address)), ", ")
	coords := ""
	if lat, err := strconv.ParseFloat(string(l.Latitude), 64); err == nil {
		if long, err := strconv.ParseFloat(string(l.Longitude), 64); err == nil {
			coords = fmt.Sprintf("%g, %g", lat, long)
		}
	}
	if place != "" && coords != "" {
		return labelled("location", place+" ("+coords+")")
	}
	return labelled("location", place+coords)
}

func renderInteractive(c *renderContent) string {
	i := c.Interactive
	switch i.Type {
	case "button_reply":
		return firstNonEmpty(string(i.ButtonReply.Title), string(i.ButtonReply.ID), "[button reply]")
	case "list_reply":
		return firstNonEmpty(string(i.ListReply.Title), string(i.ListReply.ID), "[list reply]")
	case "nfm_reply":
		return labelled(firstNonEmpty(string(i.NFMReply.Name), "flow"), string(i.NFMReply.Body))
	}
	return labelled("interactive", string(i.Type))
}

func renderEdit(inner json.RawMessage, depth int) string {
	var f messageFields
	_ = json.Unmarshal(inner, &f) // partial decoding is fine: missing parts render as labels
	if depth >= maxEditDepth || f.Type == "" {
		return "[message]"
	}
	return renderDepth(string(f.Type), &f.renderContent, depth+1)
}

func nonEmpty(vals ...string) []string {
	out := vals[:0:0]
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
