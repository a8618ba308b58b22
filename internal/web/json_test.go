package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Writes carry JSON or nothing: every body a web page can send across
// sites without a preflight is refused before a handler sees it.
func TestRequireJSON(t *testing.T) {
	ok := RequireJSON(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	for _, tt := range []struct {
		method, ct, body string
		want             int
	}{
		{"POST", "text/plain", `{"a":1}`, 415},
		{"POST", "application/x-www-form-urlencoded", "a=1", 415},
		{"POST", "multipart/form-data; boundary=x", "--x--", 415},
		{"PUT", "application/jsonx", `{"a":1}`, 415},
		{"PATCH", "bogus;;", `{"a":1}`, 415},
		{"POST", "", `{"a":1}`, 415},
		{"POST", "text/plain", "", 415},
		{"POST", "application/json", `{"a":1}`, 204},
		{"POST", "Application/JSON; charset=utf-8", `{"a":1}`, 204},
		{"PATCH", "application/merge-patch+json", `{"a":1}`, 204},
		{"POST", "", "", 204}, // curl -X POST …/cancel
		{"GET", "text/plain", "x", 204},
		{"DELETE", "", "", 204},
	} {
		r := httptest.NewRequest(tt.method, "/", strings.NewReader(tt.body))
		if tt.body == "" {
			r.Body, r.ContentLength = http.NoBody, 0
		}
		if tt.ct != "" {
			r.Header.Set("Content-Type", tt.ct)
		}
		rec := httptest.NewRecorder()
		ok.ServeHTTP(rec, r)
		if rec.Code != tt.want || tt.want == 415 && !strings.Contains(rec.Body.String(), MsgNotJSON) {
			t.Errorf("%s %q %q: %d %s, want %d", tt.method, tt.ct, tt.body, rec.Code, rec.Body, tt.want)
		}
	}
}
