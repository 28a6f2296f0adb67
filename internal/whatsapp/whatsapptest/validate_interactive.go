package whatsapptest

import "fmt"

func validateInteractive(in *interactiveObj) *graphError {
	if in == nil {
		return errParamRequired("interactive")
	}
	switch in.Type {
	case "":
		return errParamRequired("interactive['type']")
	case "button", "list":
	case "cta_url", "flow", "product", "product_list", "catalog_message", "location_request_message":
		return nil // not modelled beyond the type
	default:
		return errParamOneOf("interactive['type']", interactiveTypes, in.Type)
	}
	if in.Body == nil || in.Body.Text == "" {
		return errMissing(fmt.Sprintf("interactive['body'] is required for interactive type %s.", in.Type))
	}
	if in.Footer != nil && runes(in.Footer.Text) > maxFooterText {
		return lengthInvalid("Footer text", maxFooterText)
	}
	if in.Action == nil {
		return errParamRequired("interactive['action']")
	}
	if in.Type == "button" {
		return validateButtons(in)
	}
	return validateList(in)
}

func validateButtons(in *interactiveObj) *graphError {
	if h := in.Header; h != nil {
		switch h.Type {
		case "text":
			if n := runes(h.Text); n == 0 || n > maxHeaderText {
				return lengthInvalid("Header text", maxHeaderText)
			}
		case "image", "video", "document":
		default:
			return errParamOneOf("interactive['header']['type']", "DOCUMENT, IMAGE, TEXT, VIDEO", h.Type)
		}
	}
	if runes(in.Body.Text) > maxButtonBody {
		return lengthInvalid("Body text", maxButtonBody)
	}
	buttons := in.Action.Buttons
	if len(buttons) < 1 || len(buttons) > maxButtons {
		// Verbatim Meta details.
		return errInvalidValue("Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3")
	}
	seen := make(map[string]bool)
	for _, b := range buttons {
		switch {
		case b.Type != "reply":
			return errParamOneOf("interactive['action']['buttons'][]['type']", "REPLY", b.Type)
		case b.Reply == nil:
			return errMissing("interactive['action']['buttons'][]['reply'] is required.")
		case runes(b.Reply.ID) == 0 || runes(b.Reply.ID) > maxButtonID:
			return lengthInvalid("Button id", maxButtonID)
		case seen[b.Reply.ID]:
			return errInvalidValue("Duplicate button id")
		case runes(b.Reply.Title) == 0 || runes(b.Reply.Title) > maxButtonTitle:
			return lengthInvalid("Button title", maxButtonTitle) // verbatim Meta details
		}
		seen[b.Reply.ID] = true
	}
	return nil
}

func validateList(in *interactiveObj) *graphError {
	if h := in.Header; h != nil {
		if h.Type != "text" {
			return errParamOneOf("interactive['header']['type']", "TEXT", h.Type)
		}
		if n := runes(h.Text); n == 0 || n > maxHeaderText {
			return lengthInvalid("Header text", maxHeaderText)
		}
	}
	if runes(in.Body.Text) > maxListBody {
		return lengthInvalid("Body text", maxListBody)
	}
	if n := runes(in.Action.Button); n == 0 || n > maxListButton {
		return lengthInvalid("Button text", maxListButton)
	}
	sections := in.Action.Sections
	if len(sections) < 1 || len(sections) > maxSections {
		return errInvalidValue(fmt.Sprintf("Invalid sections count. Min allowed sections: 1, Max allowed sections: %d", maxSections))
	}
	rows := 0
	for _, s := range sections {
		rows += len(s.Rows)
	}
	if rows > maxRows {
		return errInvalidValue(fmt.Sprintf("Total row count exceed max allowed count: %d", maxRows)) // verbatim
	}
	seen := make(map[string]bool)
	for _, s := range sections {
		if runes(s.Title) > maxSectionTitle || (len(sections) > 1 && s.Title == "") {
			return lengthInvalid("Section title", maxSectionTitle)
		}
		if len(s.Rows) == 0 {
			return errMissing("interactive['action']['sections'][]['rows'] is required.")
		}
		for _, r := range s.Rows {
			switch {
			case runes(r.ID) == 0 || runes(r.ID) > maxRowID:
				return lengthInvalid("Row id", maxRowID)
			case seen[r.ID]:
				return errInvalidValue("Duplicate row id")
			case runes(r.Title) == 0 || runes(r.Title) > maxRowTitle:
				return lengthInvalid("Row title", maxRowTitle)
			case runes(r.Description) > maxRowDescription:
				return lengthInvalid("Row description", maxRowDescription)
			}
			seen[r.ID] = true
		}
	}
	return nil
}
