package flowengine

import (
	"net/mail"
	"strings"
)

// answer matches the contact's input against the question at n. It returns
// the next node and whether the answer fits; a fitting answer is stored.
func (r *run) answer(n Node, in Input) (next string, fits bool, err error) {
	switch q := n.Component.(type) {
	case *QuestionText:
		text := strings.TrimSpace(in.Text)
		if in.Kind != InputText || text == "" || !r.valid(n.ID, q.Validation, text) {
			return "", false, nil
		}
		r.vars[q.Variable] = clip(text, maxVarLen)
		return q.Next, true, nil
	case *QuestionButtons:
		if !isReply(in) {
			return "", false, nil
		}
		for _, b := range q.Buttons {
			if b.ID == in.ReplyID {
				r.storeChoice(q.Variable, b.ID, b.Title, in)
				return b.Next, true, nil
			}
		}
	case *QuestionList:
		if !isReply(in) {
			return "", false, nil
		}
		for _, s := range q.Sections {
			for _, row := range s.Rows {
				if row.ID == in.ReplyID {
					r.storeChoice(q.Variable, row.ID, row.Title, in)
					return row.Next, true, nil
				}
			}
		}
	}
	return "", false, nil
}

// isReply accepts button and list replies alike: WhatsApp reports a template
// quick reply as a button, and a contact may answer an older message.
func isReply(in Input) bool {
	return (in.Kind == InputButton || in.Kind == InputList) && in.ReplyID != ""
}

// storeChoice sets variable to the title the contact saw and variable.id to
// the stable id that conditions should test.
func (r *run) storeChoice(variable, id, title string, in Input) {
	if variable == "" {
		return
	}
	if in.ReplyTitle != "" {
		title = in.ReplyTitle
	}
	r.vars[variable] = clip(interpolate(title, r.vars), maxVarLen)
	r.vars[variable+".id"] = id
}

func (r *run) valid(node string, v *Validation, text string) bool {
	if v == nil {
		return true
	}
	switch v.Kind {
	case ValidateNumber:
		_, ok := number(text)
		return ok
	case ValidateEmail:
		a, err := mail.ParseAddress(text)
		return err == nil && a.Address == text
	case ValidatePhone:
		return validPhone(text)
	case ValidateRegex:
		re, err := r.prep.regexp(node, "validation.pattern", v.Pattern)
		return err == nil && re.MatchString(text)
	}
	return false
}

// validPhone accepts an international number as people type it: an optional
// +, digits, and spaces, dots, dashes or parentheses; E.164 allows at most 15
// digits and real numbers have at least 7.
func validPhone(s string) bool {
	digits := 0
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0:
		case strings.ContainsRune(" .-()", c):
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

func reaskOf(c Component) Reask {
	switch q := c.(type) {
	case *QuestionText:
		return q.Reask
	case *QuestionButtons:
		return q.Reask
	case *QuestionList:
		return q.Reask
	}
	return Reask{}
}

func (r *run) maxRetries(n Node) int {
	if m := reaskOf(n.Component).MaxRetries; m != nil {
		return *m
	}
	return r.eng.opts.MaxRetries
}

// ask sends a question.
func (r *run) ask(n Node) {
	switch q := n.Component.(type) {
	case *QuestionText:
		r.out = append(r.out, textMessage(interpolate(q.Text, r.vars), false))
	case *QuestionButtons:
		r.out = append(r.out, r.buttonsMessage(q))
	case *QuestionList:
		r.out = append(r.out, r.listMessage(q))
	}
}

// reask answers an input that did not fit: the retry text, then the choices
// again so that they are at hand. A text question sends only the retry text
// when there is one.
func (r *run) reask(n Node) {
	retry := interpolate(reaskOf(n.Component).RetryText, r.vars)
	if retry != "" {
		r.out = append(r.out, textMessage(retry, false))
		if _, isText := n.Component.(*QuestionText); isText {
			return
		}
	}
	r.ask(n)
}
