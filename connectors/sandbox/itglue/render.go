package itglue

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// renderList returns the JSON:API resource object of r as a list response
// shows it, cached until r or anything it derives attributes from changes.
// st.mu must be held (read or write).
func (st *store) renderList(res *resource, r *record) []byte {
	if res.noCache {
		return st.appendResource(nil, res, r, true)
	}
	if c := r.cache.Load(); c != nil && c.gen == st.gen {
		return c.b
	}
	b := st.appendResource(make([]byte, 0, 1024), res, r, true)
	r.cache.Store(&rendered{gen: st.gen, b: b})
	return b
}

// renderShow returns r as a show / write response shows it (never
// truncated). st.mu must be held.
func (st *store) renderShow(res *resource, r *record) []byte {
	return st.appendResource(make([]byte, 0, 1024), res, r, false)
}

// appendResource appends {"id":"..","type":"..","attributes":{..}}.
func (st *store) appendResource(b []byte, res *resource, r *record, list bool) []byte {
	b = append(b, `{"id":"`...)
	b = strconv.AppendInt(b, r.id, 10)
	b = append(b, `","type":"`...)
	b = append(b, res.typ...)
	b = append(b, `","attributes":{`...)
	for i, a := range res.attrs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, a.name...)
		b = append(b, `":`...)
		var v any
		if a.kind == kDerived {
			v = a.derive(st, r)
		} else {
			v = r.vals[a.name]
		}
		if list && a.listMax > 0 {
			if s, ok := v.(string); ok && utf8.RuneCountInString(s) > a.listMax {
				v = string([]rune(s)[:a.listMax])
			}
		}
		b = appendValue(b, v)
	}
	return append(b, "}}"...)
}

func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		if x.IsZero() {
			return append(b, "null"...)
		}
		b = append(b, '"')
		b = x.UTC().AppendFormat(b, timeLayout)
		return append(b, '"')
	case []int64:
		b = append(b, '[')
		for i, n := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, n, 10)
		}
		return append(b, ']')
	}
	j, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, j...)
}

// appendString appends s as a JSON string. Plain printable ASCII takes the
// fast path; anything else goes through encoding/json so escaping is
// exactly the standard library's.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			j, _ := json.Marshal(s)
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
