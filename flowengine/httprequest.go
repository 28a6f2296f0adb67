package flowengine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// httpRequest runs an HttpRequest component and returns the next node. Only
// the end of the step's own context is an error of the step: everything else
// that goes wrong is the flow's to handle through the error edge.
func (r *run) httpRequest(ctx context.Context, c *HttpRequest) (string, error) {
	status, body, err := r.doHTTP(ctx, c)
	if ctx.Err() != nil {
		return "", fmt.Errorf("flowengine: http request: %w", ctx.Err())
	}
	if c.StatusVariable != "" {
		r.vars[c.StatusVariable] = strconv.Itoa(status) // 0 when no response came
	}
	failed := err != nil || status < 200 || status > 299
	if !failed && len(c.Response) > 0 {
		failed = !r.storeResponse(c.Response, body)
	}
	if failed && c.Error != "" {
		return c.Error, nil
	}
	return c.Next, nil
}

// doHTTP sends the request and reads at most MaxResponseBytes of the answer.
func (r *run) doHTTP(ctx context.Context, c *HttpRequest) (int, []byte, error) {
	if r.eng.http == nil {
		return 0, nil, errors.New("no HTTP client configured")
	}
	timeout := r.eng.opts.HTTPTimeout
	if c.TimeoutSeconds > 0 {
		timeout = time.Duration(min(c.TimeoutSeconds, maxTimeoutSeconds)) * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	req, err := r.newRequest(ctx, c)
	if err != nil {
		return 0, nil, err
	}
	resp, err := r.eng.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	limit := r.eng.opts.MaxResponseBytes
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return resp.StatusCode, nil, err
	}
	if int64(len(body)) > limit {
		return resp.StatusCode, nil, fmt.Errorf("response is larger than %d bytes", limit)
	}
	return resp.StatusCode, body, nil
}

func (r *run) newRequest(ctx context.Context, c *HttpRequest) (*http.Request, error) {
	target := interpolateEscaped(c.URL, r.vars, escapeURLValue)
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http or https URL", target)
	}
	var body io.Reader
	if len(c.Body) > 0 && string(c.Body) != "null" {
		b, err := interpolateJSON(c.Body, r.vars)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.Headers {
		req.Header.Set(k, interpolate(v, r.vars))
	}
	return req, nil
}

// escapeURLValue percent-encodes everything but unreserved characters, so a
// value can neither leave its path segment nor add query parameters.
func escapeURLValue(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// interpolateJSON interpolates the string values of a JSON document; the
// values stay strings, so no variable can change the document's shape.
func interpolateJSON(doc json.RawMessage, vars map[string]string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(interpolateValue(v, vars)); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func interpolateValue(v any, vars map[string]string) any {
	switch v := v.(type) {
	case string:
		return interpolate(v, vars)
	case []any:
		for i := range v {
			v[i] = interpolateValue(v[i], vars)
		}
	case map[string]any:
		for k := range v {
			v[k] = interpolateValue(v[k], vars)
		}
	}
	return v
}

// storeResponse copies the response fields into variables. Fields missing
// from the response unset their variables; a body that is not JSON fails.
func (r *run) storeResponse(fields []ResponseField, body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return false
	}
	for _, f := range fields {
		delete(r.vars, f.Variable)
		segs, _ := splitPath(f.Path)
		if v, ok := lookupPath(doc, segs); ok {
			r.vars[f.Variable] = clip(v, maxVarLen)
		}
	}
	return true
}
