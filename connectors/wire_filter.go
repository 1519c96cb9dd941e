package connectors

// andItems joins the filter items of a query body (top-level items are
// and-ed) with more items: a list gains them, a single item or group
// (an {"op":"or","items":[...]} object) becomes the first of a list, and a
// missing member is the items alone.
func andItems(existing any, more []any) []any {
	switch x := existing.(type) {
	case []any:
		return append(x, more...)
	case nil:
		return append([]any(nil), more...)
	default:
		return append([]any{x}, more...)
	}
}
