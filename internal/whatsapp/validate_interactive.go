package whatsapp

import "fmt"

func validateInteractive(in *Interactive) error {
	if in == nil {
		return invalid("interactive", "required for type interactive")
	}
	if in.Footer != nil {
		if err := checkLen("interactive.footer.text", in.Footer.Text, true, MaxFooterText); err != nil {
			return err
		}
	}
	switch in.Type {
	case InteractiveButton:
		return validateButtons(in)
	case InteractiveList:
		return validateList(in)
	case "":
		return invalid("interactive.type", "required")
	}
	return invalid("interactive.type", "unsupported interactive type %q", in.Type)
}

func validateBody(in *Interactive, max int) error {
	if in.Body == nil {
		return invalid("interactive.body", "required")
	}
	return checkLen("interactive.body.text", in.Body.Text, true, max)
}

func validateHeader(h *InteractiveHeader, textOnly bool) error {
	if h == nil {
		return nil
	}
	var media *Media
	switch h.Type {
	case "text":
		return checkLen("interactive.header.text", h.Text, true, MaxHeaderText)
	case "image":
		media = h.Image
	case "video":
		media = h.Video
	case "document":
		media = h.Document
	default:
		return invalid("interactive.header.type", "unsupported header type %q", h.Type)
	}
	if textOnly {
		return invalid("interactive.header.type", "lists allow only a text header")
	}
	return validateMedia("interactive.header."+h.Type, media, false, h.Type == "document")
}

func validateButtons(in *Interactive) error {
	if err := validateHeader(in.Header, false); err != nil {
		return err
	}
	if err := validateBody(in, MaxButtonBodyText); err != nil {
		return err
	}
	buttons := in.Action.Buttons
	if n := len(buttons); n == 0 || n > MaxReplyButtons {
		return invalid("interactive.action.buttons", "between 1 and %d buttons, got %d", MaxReplyButtons, n)
	}
	seen := make(map[string]bool, len(buttons))
	for i, b := range buttons {
		field := fmt.Sprintf("interactive.action.buttons[%d]", i)
		if b.Type != "reply" {
			return invalid(field+".type", "must be \"reply\"")
		}
		if err := checkLen(field+".reply.id", b.Reply.ID, true, MaxButtonID); err != nil {
			return err
		}
		if seen[b.Reply.ID] {
			return invalid(field+".reply.id", "duplicate id %q", b.Reply.ID)
		}
		seen[b.Reply.ID] = true
		if err := checkLen(field+".reply.title", b.Reply.Title, true, MaxButtonTitle); err != nil {
			return err
		}
	}
	return nil
}

func validateList(in *Interactive) error {
	if err := validateHeader(in.Header, true); err != nil {
		return err
	}
	if err := validateBody(in, MaxListBodyText); err != nil {
		return err
	}
	if err := checkLen("interactive.action.button", in.Action.Button, true, MaxListButtonText); err != nil {
		return err
	}
	sections := in.Action.Sections
	if n := len(sections); n == 0 || n > MaxListSections {
		return invalid("interactive.action.sections", "between 1 and %d sections, got %d", MaxListSections, n)
	}
	seen := make(map[string]bool)
	rows := 0
	for i, s := range sections {
		field := fmt.Sprintf("interactive.action.sections[%d]", i)
		// A title is required once there is more than one section.
		if err := checkLen(field+".title", s.Title, len(sections) > 1, MaxSectionTitle); err != nil {
			return err
		}
		if len(s.Rows) == 0 {
			return invalid(field+".rows", "at least one row")
		}
		for j, r := range s.Rows {
			rf := fmt.Sprintf("%s.rows[%d]", field, j)
			if rows++; rows > MaxListRows {
				return invalid("interactive.action.sections", "at most %d rows in total", MaxListRows)
			}
			if err := checkLen(rf+".id", r.ID, true, MaxRowID); err != nil {
				return err
			}
			if seen[r.ID] {
				return invalid(rf+".id", "duplicate id %q", r.ID)
			}
			seen[r.ID] = true
			if err := checkLen(rf+".title", r.Title, true, MaxRowTitle); err != nil {
				return err
			}
			if err := checkLen(rf+".description", r.Description, false, MaxRowDescription); err != nil {
				return err
			}
		}
	}
	return nil
}
