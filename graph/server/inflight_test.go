package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// At most n requests run at once; one that cannot get a turn before its
// context ends is answered 503 UNAVAILABLE, and the turn of a finished
// request goes to the next.
func TestLimitInFlight(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	h := limitInFlight(2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil)) })
	}
	<-entered
	<-entered

	// Both turns are taken: a third request waits, and gives up when its
	// context ends.
	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan *httptest.ResponseRecorder)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil).WithContext(ctx))
		waited <- rec
	}()
	cancel()
	rec := <-waited
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"code":"UNAVAILABLE"`) || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("waiting request = %d %s", rec.Code, rec.Body)
	}

	// A finished request frees its turn.
	release <- struct{}{}
	go h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
	<-entered
	release <- struct{}{}
	release <- struct{}{}
	wg.Wait()
}
