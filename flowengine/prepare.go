package flowengine

import "regexp"

// prepared is what a step needs beyond the definition itself: the node index
// and the compiled patterns, keyed by node id and field.
type prepared struct {
	index   map[string]int
	regexps map[patternKey]*regexp.Regexp
}

type patternKey struct{ node, field string }

// prepare indexes nodes (the first of duplicate ids wins) and compiles every
// fixed pattern; patterns that do not compile are left out for Validate to
// report.
func prepare(d *Definition) *prepared {
	p := &prepared{index: make(map[string]int, len(d.Nodes))}
	for i, n := range d.Nodes {
		if _, dup := p.index[n.ID]; !dup {
			p.index[n.ID] = i
		}
		for field, pattern := range patterns(n.Component) {
			re, err := regexp.Compile(pattern)
			if err != nil {
				continue
			}
			if p.regexps == nil {
				p.regexps = make(map[patternKey]*regexp.Regexp)
			}
			p.regexps[patternKey{n.ID, field}] = re
		}
	}
	return p
}

// patterns lists a component's fixed regular expressions by field.
func patterns(c Component) map[string]string {
	switch c := c.(type) {
	case *QuestionText:
		if c.Validation != nil && c.Validation.Kind == ValidateRegex {
			return map[string]string{"validation.pattern": c.Validation.Pattern}
		}
	case *Condition:
		var out map[string]string
		for i, b := range c.Branches {
			if b.Operator == OpMatches && !hasVariables(b.Value) {
				if out == nil {
					out = make(map[string]string)
				}
				out[branchField(i, "value")] = b.Value
			}
		}
		return out
	}
	return nil
}

// prepared returns the definition's index, building a private one for
// definitions made in code.
func (d *Definition) prepared() *prepared {
	if d.prep != nil {
		return d.prep
	}
	return prepare(d)
}

// regexp returns the compiled pattern of a node's field, compiling it when it
// was not prepared (interpolated patterns).
func (p *prepared) regexp(node, field, pattern string) (*regexp.Regexp, error) {
	if re, ok := p.regexps[patternKey{node, field}]; ok && re.String() == pattern {
		return re, nil
	}
	return regexp.Compile(pattern)
}
