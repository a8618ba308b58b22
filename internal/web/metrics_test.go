package web

import (
	"strings"
	"testing"
)

// Operation names are labels only while there are few of them.
func TestOperationLabelsAreBounded(t *testing.T) {
	b := BoundedNames{Max: 2}
	for _, tt := range []struct{ name, want string }{
		{"", "anonymous"}, {"A", "A"}, {"B", "B"}, {"C", "other"}, {"A", "A"},
		{"no spaces allowed", "invalid"}, {strings.Repeat("x", 65), "invalid"},
	} {
		if got := b.Label(tt.name); got != tt.want {
			t.Errorf("Label(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
