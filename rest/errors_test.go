package rest

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/b2b-orders/platform/services"
)

// The answers that tell a client to try again say when: a call that lost
// to concurrent ones (409) and an outage (503). No other answer does.
func TestRetryableAnswersSayWhen(t *testing.T) {
	ew := errorWriter{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, tt := range []struct {
		err        error
		status     int
		retryAfter string
	}{
		{services.Busy(errors.New("deadlock")), http.StatusConflict, "1"},
		{services.Outage(errors.New("refused")), http.StatusServiceUnavailable, "1"},
		{services.Errorf(services.Conflict, services.CodeEmailTaken, "Email already exists"), http.StatusConflict, ""},
		{errors.New("bug"), http.StatusInternalServerError, ""},
	} {
		rec := httptest.NewRecorder()
		ew.write(rec, httptest.NewRequest(http.MethodPost, "/api/v1/orders", nil), tt.err)
		if rec.Code != tt.status || rec.Header().Get("Retry-After") != tt.retryAfter {
			t.Errorf("%v: %d Retry-After %q, want %d %q", tt.err, rec.Code, rec.Header().Get("Retry-After"), tt.status, tt.retryAfter)
		}
	}
}
