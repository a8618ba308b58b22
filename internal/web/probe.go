package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Probe GETs target once and returns the status and the first limit bytes
// of the body, trimmed.
//
// The client is built for a probe, not for the world: no proxy, because
// HTTP_PROXY set for the application must not route a container's probe of
// itself elsewhere; no redirects, because a 30x is not the role answering;
// no kept-alive connection, because the process exits right after.
// Errors: the request failed (refused, timed out, canceled), or a 200's
// body broke off.
func Probe(ctx context.Context, target string, timeout time.Duration, limit int64) (status int, excerpt string, err error) {
	client := &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("User-Agent", "b2b-healthcheck")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil && resp.StatusCode == http.StatusOK {
		// A 200 whose body breaks off is a server in trouble.
		return 0, "", fmt.Errorf("read body: %w", err)
	}
	return resp.StatusCode, strings.TrimSpace(string(body)), nil
}
