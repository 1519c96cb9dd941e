package exprenv

import (
	"regexp"
	"strings"
)

// extension matches an extension written after a phone number: "x12",
// "x 12", "ext 12", "ext. 12", "extension 12", "#12" (any case), at the end.
var extension = regexp.MustCompile(`(?i)[\s,;]*(?:\bx|\bext\.?|\bextension|#)\s*\d+\s*$`)

// DropExtension returns a phone number without a trailing extension,
// trimmed.
func DropExtension(s string) string {
	return strings.TrimSpace(extension.ReplaceAllString(strings.TrimSpace(s), ""))
}

func hDropExtension(p ...any) (any, error) { return DropExtension(str(p[0])), nil }
