package flowengine

import (
	"math"
	"strconv"
	"strings"
)

// condition returns the next node of the first branch that holds.
func (r *run) condition(node string, c *Condition) string {
	for i, b := range c.Branches {
		if r.holds(node, i, b) {
			return b.Next
		}
	}
	return c.Default
}

// holds tests one branch. Text comparisons ignore case and surrounding
// spaces, since the values mostly come from people typing.
func (r *run) holds(node string, i int, b Branch) bool {
	got, set := r.vars[b.Variable]
	want := interpolate(b.Value, r.vars)
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	switch b.Operator {
	case OpIsSet:
		return set && got != ""
	case OpIsNotSet:
		return !set || got == ""
	case OpEquals:
		return norm(got) == norm(want)
	case OpNotEquals:
		return norm(got) != norm(want)
	case OpContains:
		return strings.Contains(norm(got), norm(want))
	case OpMatches:
		re, err := r.prep.regexp(node, branchField(i, "value"), b.Value)
		if hasVariables(b.Value) {
			re, err = r.prep.regexp(node, "", want)
		}
		return err == nil && re.MatchString(got)
	case OpGreaterThan, OpLessThan:
		g, ok1 := number(got)
		w, ok2 := number(want)
		if !ok1 || !ok2 {
			return false
		}
		if b.Operator == OpGreaterThan {
			return g > w
		}
		return g < w
	}
	return false
}

// number reads a decimal number, accepting a comma as decimal separator.
func number(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}
