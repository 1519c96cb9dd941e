package connectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxMessage bounds an error message taken from a response.
const maxMessage = 2000

// decodeBody decodes a JSON body; an empty body is nil.
func decodeBody(b []byte) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// succeeded applies the envelope's success flag: a body whose flag is
// present and false is a failure even with HTTP 200.
func (c *Client) succeeded(body any) bool {
	return flagTrue(body, c.sys.Envelope.Success)
}

// flagTrue is false only when the flag at path is present and false-like.
func flagTrue(v any, path string) bool {
	if path == "" {
		return true
	}
	f, ok := Value(v, path)
	if !ok {
		return true
	}
	switch x := f.(type) {
	case bool:
		return x
	case string:
		return !strings.EqualFold(x, "false")
	case float64:
		return x != 0
	case nil:
		return true
	}
	return true
}

// items returns the list at path. null is an empty list; a missing member
// is a protocol error (a wrong path must not look like an empty system).
func items(body any, path string) ([]any, error) {
	v, ok := Value(body, path)
	if !ok {
		return nil, fmt.Errorf("response has no list at %q", path)
	}
	switch x := v.(type) {
	case []any:
		return x, nil
	case nil:
		return nil, nil
	default:
		return nil, fmt.Errorf("items at %q are a %T, not a list", path, v)
	}
}

// records turns list items into records.
func records(list []any) ([]Record, error) {
	out := make([]Record, 0, len(list))
	for i, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("item %d is a %T, not an object", i, it)
		}
		out = append(out, m)
	}
	return out, nil
}

// errorMessage finds the message of an error body: the declared paths in
// order (first that yields text wins; "*" segments collect every element),
// then common members (message, error, errors, detail, title), then the raw
// body, shortened.
func (c *Client) errorMessage(body any, raw []byte, paths []string) string {
	for _, p := range paths {
		var parts []string
		for _, v := range values(body, p) {
			if s := renderError(v); s != "" {
				parts = append(parts, s)
			}
		}
		if len(parts) > 0 {
			return clip(strings.Join(parts, "; "))
		}
	}
	if body != nil {
		if s := renderError(body); s != "" {
			return clip(s)
		}
	}
	return clip(strings.TrimSpace(string(raw)))
}

// renderError prints an error value: a string as is, a list element by
// element, an object from its conventional members
// ([code] message (field/pointer), then nested errors).
func renderError(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64, bool:
		return IDString(x)
	case []any:
		var parts []string
		for _, el := range x {
			if s := renderError(el); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		return renderErrorObject(x)
	}
	return ""
}

func firstString(m map[string]any, paths ...string) string {
	for _, p := range paths {
		if v, ok := Value(m, p); ok {
			if s, ok := v.(string); ok && s != "" {
				return s
			}
		}
	}
	return ""
}

func renderErrorObject(m map[string]any) string {
	msg := firstString(m, "message", "Message", "detail", "Detail", "title", "Title", "error_description")
	if msg == "" {
		if e, ok := m["error"]; ok {
			msg = renderError(e)
		} else if e, ok := m["Error"]; ok {
			msg = renderError(e)
		}
	}
	code := firstString(m, "code", "Code")
	field := firstString(m, "field", "Field", "source.pointer", "source.parameter", "pointer")
	var b strings.Builder
	if code != "" && code != msg {
		b.WriteString(code)
		if msg != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(msg)
	if field != "" {
		fmt.Fprintf(&b, " (%s)", field)
	}
	for _, k := range []string{"errors", "Errors", "SubErrors", "details", "Details"} {
		if nested, ok := m[k]; ok {
			if s := renderError(nested); s != "" {
				if b.Len() > 0 {
					b.WriteString("; ")
				}
				b.WriteString(s)
			}
		}
	}
	return strings.TrimSpace(b.String())
}

func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
