package connectwise

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"mapsync/connectors/sandbox/core"
)

// cwTime formats a time the way ConnectWise does: UTC, second precision.
func cwTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z") }

// stamp writes the id and _info of a record on every API write.
func (s *Sandbox) stamp(r *core.Record) {
	r.Data["id"] = r.ID
	info := map[string]any{}
	if old, ok := r.Data["_info"].(map[string]any); ok {
		info = old
	}
	info["lastUpdated"] = cwTime(r.Updated)
	info["updatedBy"] = s.opts.APIMember
	if _, ok := info["dateEntered"]; !ok {
		info["dateEntered"] = cwTime(r.Created)
		info["enteredBy"] = s.opts.APIMember
	}
	r.Data["_info"] = info
}

// seedInfo builds the _info of a seeded record.
func seedInfo(created, updated time.Time, by string) map[string]any {
	return map[string]any{"lastUpdated": cwTime(updated), "dateEntered": cwTime(created), "enteredBy": by, "updatedBy": by}
}

// renderFunc renders records of res with keys in a stable, ConnectWise-like
// order: id, the declared fields, anything else alphabetically, _info last.
func (s *Sandbox) renderFunc(res *resource) func(*core.Record) ([]byte, error) {
	order := []string{"id"}
	for _, f := range res.fields {
		order = append(order, f.name)
	}
	return func(r *core.Record) ([]byte, error) {
		var b bytes.Buffer
		if err := appendObject(&b, r.Data, order); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
}

// refOrder orders the keys of nested objects.
var refOrder = []string{"id", "identifier", "name"}

func appendObject(b *bytes.Buffer, m map[string]any, order []string) error {
	b.WriteByte('{')
	first := true
	key := func(k string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(strconv.Quote(k))
		b.WriteByte(':')
	}
	done := make(map[string]bool, len(order))
	for _, k := range order {
		v, ok := m[k]
		if !ok || k == "_info" {
			continue
		}
		done[k] = true
		key(k)
		if err := appendValue(b, v); err != nil {
			return err
		}
	}
	var rest []string
	for k := range m {
		if !done[k] && k != "_info" {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	if _, ok := m["_info"]; ok {
		rest = append(rest, "_info")
	}
	for _, k := range rest {
		key(k)
		if err := appendValue(b, m[k]); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

func appendValue(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case map[string]any:
		return appendObject(b, x, refOrder)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := appendValue(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case string:
		enc := json.NewEncoder(b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return err
		}
		b.Truncate(b.Len() - 1) // Encode appends a newline
		return nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("render %T: %w", v, err)
	}
	b.Write(j)
	return nil
}

// href is the API URL path of a record.
func (s *Sandbox) href(res *resource, rec *core.Record) string {
	p := res.path
	if res.parent != "" {
		pid := parentIDOf(res, rec.Data)
		p = strings.Replace(p, "{parentId}", strconv.FormatInt(pid, 10), 1)
	}
	return Base + p + "/" + strconv.FormatInt(rec.ID, 10)
}

// parentIDOf returns the id of a nested record's parent.
func parentIDOf(res *resource, data map[string]any) int64 {
	v := data[res.parentField]
	if m, ok := v.(map[string]any); ok {
		v = m["id"]
	}
	n, _ := asNumber(v)
	return int64(n)
}

// displayName is the name a reference to rec shows.
func displayName(res *resource, data map[string]any) string {
	if res.fullName[0] != "" {
		first, _ := data[res.fullName[0]].(string)
		last, _ := data[res.fullName[1]].(string)
		return strings.TrimSpace(first + " " + last)
	}
	s, _ := data[res.nameField].(string)
	return s
}

// refTo renders a reference to rec in field: {id, identifier?, name, _info{field_href}}.
func (s *Sandbox) refTo(res *resource, rec *core.Record, field string) map[string]any {
	ref := map[string]any{"id": rec.ID}
	if res.identifier {
		if id, ok := rec.Data["identifier"]; ok {
			ref["identifier"] = id
		}
	}
	ref["name"] = displayName(res, rec.Data)
	ref["_info"] = map[string]any{field + "_href": s.href(res, rec)}
	return ref
}
