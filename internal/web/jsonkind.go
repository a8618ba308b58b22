package web

import (
	"bytes"
	"encoding/json"
)

// JSONKind names the type of a JSON value as the original's validation
// messages do ("Expected string, received number"): string, number,
// boolean, object, array, null, or undefined for an absent value.
func JSONKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "undefined"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
