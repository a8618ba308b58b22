package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/internal/config"
)

// The text format writes key=value lines.
func TestLogFormat(t *testing.T) {
	var buf bytes.Buffer
	newLogger(config.Config{LogFormat: "text", LogLevel: slog.LevelInfo}, &buf).Info("request", "role", "orders")
	if got := buf.String(); !strings.Contains(got, "level=INFO msg=request role=orders") {
		t.Errorf("text log: %q", got)
	}
	buf.Reset()
	newLogger(config.Config{LogFormat: "json", LogLevel: slog.LevelWarn}, &buf).Info("hidden")
	newLogger(config.Config{LogFormat: "json", LogLevel: slog.LevelWarn}, &buf).Warn("shown")
	if got := buf.String(); strings.Contains(got, "hidden") || !strings.Contains(got, `"msg":"shown"`) {
		t.Errorf("json log at warn: %q", got)
	}
}
