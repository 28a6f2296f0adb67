package flowengine

import (
	"fmt"
	"net/http"
	"strings"
)

// checker validates one node's settings.
type checker struct {
	v    *validator
	node string
	prep *prepared
}

func (c *checker) add(field, msg string) { c.v.add(c.node, field, msg) }

// text checks a required (min 1) or optional (min 0) text against a limit.
func (c *checker) text(field, s string, lo, hi int) {
	switch n := length(s); {
	case lo > 0 && strings.TrimSpace(s) == "":
		c.add(field, "is required")
	case n > hi:
		c.add(field, fmt.Sprintf("is %d characters long; WhatsApp allows at most %d", n, hi))
	}
}

func (c *checker) variable(field, name string, required bool) {
	switch {
	case name == "" && required:
		c.add(field, "is required")
	case name == "":
	case !validVarName(name):
		c.add(field, fmt.Sprintf("%q is not a variable name (letters, digits, _ and dots)", name))
	case reservedVar(name):
		c.add(field, fmt.Sprintf("%q belongs to the engine and cannot be set", name))
	}
}

func (c *checker) pattern(field, pattern string) {
	if hasVariables(pattern) {
		return // compiled at run time; a bad value fails that one test
	}
	if _, err := c.prep.regexp(c.node, field, pattern); err != nil {
		c.add(field, fmt.Sprintf("is not a valid regular expression: %v", err))
	}
}

func (c *checker) reask(r Reask) {
	if r.MaxRetries != nil && (*r.MaxRetries < 0 || *r.MaxRetries > maxRetriesAllowed) {
		c.add("maxRetries", fmt.Sprintf("must be between 0 and %d", maxRetriesAllowed))
	}
	c.text("retryText", r.RetryText, 0, maxTextBody)
}

func checkComponent(c *checker, comp Component) {
	switch comp := comp.(type) {
	case *Message:
		c.text("text", comp.Text, 1, maxTextBody)
	case *QuestionText:
		checkQuestionText(c, comp)
	case *QuestionButtons:
		checkButtons(c, comp)
	case *QuestionList:
		checkList(c, comp)
	case *Media:
		checkMedia(c, comp)
	case *Template:
		checkTemplate(c, comp)
	case *Condition:
		checkCondition(c, comp)
	case *SetVariable:
		c.variable("variable", comp.Variable, true)
	case *HttpRequest:
		checkHTTPRequest(c, comp)
	}
}

func checkQuestionText(c *checker, q *QuestionText) {
	c.text("text", q.Text, 1, maxTextBody)
	c.variable("variable", q.Variable, true)
	c.reask(q.Reask)
	if q.Validation == nil {
		return
	}
	switch q.Validation.Kind {
	case ValidateRegex:
		if q.Validation.Pattern == "" {
			c.add("validation.pattern", "is required for regex validation")
		}
		c.pattern("validation.pattern", q.Validation.Pattern)
	case ValidateNumber, ValidateEmail, ValidatePhone:
		if q.Validation.Pattern != "" {
			c.add("validation.pattern", "applies to regex validation only")
		}
	default:
		c.add("validation.kind", fmt.Sprintf("%q is not one of regex, number, email, phone", q.Validation.Kind))
	}
}

func checkButtons(c *checker, q *QuestionButtons) {
	c.text("header", q.Header, 0, maxHeader)
	c.text("text", q.Text, 1, maxButtonBody)
	c.text("footer", q.Footer, 0, maxFooter)
	c.variable("variable", q.Variable, false)
	c.reask(q.Reask)
	switch n := len(q.Buttons); {
	case n == 0:
		c.add("buttons", "must hold at least one button")
	case n > maxButtons:
		c.add("buttons", fmt.Sprintf("holds %d buttons; WhatsApp allows at most %d", n, maxButtons))
	}
	ids := make(map[string]bool, len(q.Buttons))
	titles := make(map[string]bool, len(q.Buttons))
	for i, b := range q.Buttons {
		f := fmt.Sprintf("buttons[%d].", i)
		c.text(f+"id", b.ID, 1, maxButtonID)
		c.text(f+"title", b.Title, 1, maxButtonTitle)
		if b.ID != "" && ids[b.ID] {
			c.add(f+"id", fmt.Sprintf("%q is used by another button", b.ID))
		}
		// WhatsApp rejects reply buttons with equal titles.
		if b.Title != "" && titles[b.Title] {
			c.add(f+"title", fmt.Sprintf("%q is used by another button", b.Title))
		}
		ids[b.ID], titles[b.Title] = true, true
	}
}

func checkList(c *checker, q *QuestionList) {
	c.text("header", q.Header, 0, maxHeader)
	c.text("text", q.Text, 1, maxListBody)
	c.text("footer", q.Footer, 0, maxFooter)
	c.text("buttonText", q.ButtonText, 1, maxListButtonText)
	c.variable("variable", q.Variable, false)
	c.reask(q.Reask)
	switch n := len(q.Sections); {
	case n == 0:
		c.add("sections", "must hold at least one section")
	case n > maxListSections:
		c.add("sections", fmt.Sprintf("holds %d sections; WhatsApp allows at most %d", n, maxListSections))
	}
	ids := make(map[string]bool)
	rows := 0
	for i, s := range q.Sections {
		f := fmt.Sprintf("sections[%d].", i)
		// Meta requires a title on every section once there are several.
		c.text(f+"title", s.Title, min(len(q.Sections)-1, 1), maxSectionTitle)
		if len(s.Rows) == 0 {
			c.add(f+"rows", "must hold at least one row")
		}
		for j, r := range s.Rows {
			rf := fmt.Sprintf("%srows[%d].", f, j)
			c.text(rf+"id", r.ID, 1, maxRowID)
			c.text(rf+"title", r.Title, 1, maxRowTitle)
			c.text(rf+"description", r.Description, 0, maxRowDescription)
			if r.ID != "" && ids[r.ID] {
				c.add(rf+"id", fmt.Sprintf("%q is used by another row", r.ID))
			}
			ids[r.ID] = true
		}
		rows += len(s.Rows)
	}
	if rows > maxListRows {
		c.add("sections", fmt.Sprintf("hold %d rows in total; WhatsApp allows at most %d", rows, maxListRows))
	}
}

func checkMedia(c *checker, m *Media) {
	switch m.MediaType {
	case "image", "video", "document", "audio", "sticker":
	default:
		c.add("mediaType", fmt.Sprintf("%q is not one of image, video, audio, document, sticker", m.MediaType))
	}
	// Meta fetches linked media over https only.
	c.url("url", m.URL, "https://")
	c.text("caption", m.Caption, 0, maxCaption)
	if m.Caption != "" && (m.MediaType == "audio" || m.MediaType == "sticker") {
		c.add("caption", "is not allowed for "+m.MediaType)
	}
	if m.Filename != "" && m.MediaType != "document" {
		c.add("filename", "applies to documents only")
	}
}

// url requires an absolute URL whose scheme and host are written out, so
// that variables can never change where a request goes.
func (c *checker) url(field, u string, schemes ...string) {
	if u == "" {
		c.add(field, "is required")
		return
	}
	lower := strings.ToLower(u)
	for _, s := range schemes {
		if rest, ok := strings.CutPrefix(lower, s); ok {
			host, _, _ := strings.Cut(rest, "/")
			if host == "" || hasVariables(host) || strings.ContainsAny(host, "?#") {
				c.add(field, "must name its host without variables")
			}
			return
		}
	}
	c.add(field, fmt.Sprintf("must start with %s", strings.Join(schemes, " or ")))
}

func checkTemplate(c *checker, t *Template) {
	c.text("name", t.Name, 1, maxTemplateNameLen)
	c.text("language", t.Language, 1, maxTemplateLanguage)
}

func checkCondition(c *checker, cond *Condition) {
	if len(cond.Branches) == 0 {
		c.add("branches", "must hold at least one branch")
	}
	for i, b := range cond.Branches {
		// Conditions read variables, so engine variables are fine here.
		switch {
		case b.Variable == "":
			c.add(branchField(i, "variable"), "is required")
		case !validVarName(b.Variable):
			c.add(branchField(i, "variable"), fmt.Sprintf("%q is not a variable name", b.Variable))
		}
		switch b.Operator {
		case OpEquals, OpNotEquals, OpContains, OpIsSet, OpIsNotSet:
		case OpMatches:
			c.pattern(branchField(i, "value"), b.Value)
		case OpGreaterThan, OpLessThan:
			if _, ok := number(b.Value); !ok && !hasVariables(b.Value) {
				c.add(branchField(i, "value"), fmt.Sprintf("%q is not a number", b.Value))
			}
		default:
			c.add(branchField(i, "operator"), fmt.Sprintf("%q is not a known operator", b.Operator))
		}
	}
}

func checkHTTPRequest(c *checker, h *HttpRequest) {
	switch h.Method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		c.add("method", fmt.Sprintf("%q is not one of GET, POST, PUT, PATCH, DELETE", h.Method))
	}
	c.url("url", h.URL, "http://", "https://")
	for name := range h.Headers {
		if !validHeaderName(name) {
			c.add("headers", fmt.Sprintf("%q is not a valid header name", name))
		}
	}
	if h.TimeoutSeconds < 0 || h.TimeoutSeconds > maxTimeoutSeconds {
		c.add("timeoutSeconds", fmt.Sprintf("must be between 1 and %d", maxTimeoutSeconds))
	}
	c.variable("statusVariable", h.StatusVariable, false)
	for i, r := range h.Response {
		f := fmt.Sprintf("response[%d].", i)
		if _, ok := splitPath(r.Path); !ok {
			c.add(f+"path", fmt.Sprintf("%q is not a path such as items[0].status", r.Path))
		}
		c.variable(f+"variable", r.Variable, true)
	}
}

// validHeaderName accepts RFC 9110 tokens.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r > 126 || r <= 32 || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}
