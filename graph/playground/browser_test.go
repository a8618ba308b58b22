//go:build unix

package playground_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/servetest"
)

// The query the test runs in GraphiQL, and what its result must show: the
// seed's order 1 belongs to ACME Corporation.
const (
	browserQuery = `{ orders(first: 5) { edges { node { id status customer { name } } } } }`
	browserWant  = "ACME Corporation"
)

// TestPlaygroundInChromium opens GraphiQL, served by a real `b2b serve`, in
// headless Chromium: the page must render from the embedded assets, open
// on a first visit on the me query and an Authorization header to fill in,
// run a query with the service token from its header editor and show the result,
// while every request the page makes goes to the server (no CDN, no
// internet). Chromium is Debian's package; .ci/run installs it.
func TestPlaygroundInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("builds b2b and drives headless Chromium")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil && os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed, and CI must check the playground in a browser (.ci/run installs it)")
	}
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium; .ci/run installs it): the playground is not checked in a browser")
	}
	start := time.Now()
	const serviceToken = "playground-browser-test-service-token"
	base := startServer(t, serviceToken)
	t.Logf("b2b serve at %s after %v", base, time.Since(start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := startChromium(ctx, t, chromium)
	t.Logf("chromium started after %v", time.Since(start).Round(time.Millisecond))

	navigate := func() {
		t.Helper()
		var nav struct {
			ErrorText string `json:"errorText"`
		}
		if err := b.call(ctx, "Page.navigate", map[string]any{"url": base + "/"}, &nav); err != nil {
			t.Fatal(err)
		}
		if nav.ErrorText != "" {
			t.Fatalf("navigate to %s: %s", base, nav.ErrorText)
		}
	}
	const editorsJS = `document.querySelector(".graphiql-execute-button") ? Array.from(document.querySelectorAll(".CodeMirror"), e => e.CodeMirror ? e.CodeMirror.getValue() : "") : null`

	// A first visit, with nothing stored: the editors open on the me
	// query and an Authorization header to fill in.
	navigate()
	var editors []string
	b.poll(ctx, t, "GraphiQL opens on the me query and the Authorization template", 20*time.Second, editorsJS,
		&editors, func() bool {
			var q, h bool
			for _, e := range editors {
				q = q || strings.Contains(e, "query Me {") && strings.Contains(e, "apiKey {")
				h = h || strings.Contains(e, `"Authorization": "Bearer <token>"`)
			}
			return q && h
		})
	t.Logf("GraphiQL opened on its defaults after %v", time.Since(start).Round(time.Millisecond))

	// GraphiQL takes its first tab's query and headers from its storage
	// (localStorage under "graphiql:"; the page persists headers): fill it
	// before the page's scripts run, as a user's earlier visit would have
	// (and clear what the first visit kept).
	headers, _ := json.Marshal(map[string]string{"Authorization": "Bearer " + serviceToken})
	query, _ := json.Marshal(browserQuery)
	hdrs, _ := json.Marshal(string(headers))
	if err := b.call(ctx, "Page.addScriptToEvaluateOnNewDocument", map[string]any{
		"source": fmt.Sprintf(`localStorage.clear(); localStorage.setItem("graphiql:query", %s); localStorage.setItem("graphiql:headers", %s);`, query, hdrs),
	}, nil); err != nil {
		t.Fatal(err)
	}
	navigate()

	// Rendered: the editors hold the query and the headers, and the run
	// button is there.
	editors = nil
	b.poll(ctx, t, "GraphiQL renders with the query and the Authorization header", 20*time.Second, editorsJS,
		&editors, func() bool {
			var q, h bool
			for _, e := range editors {
				q = q || strings.Contains(e, "orders(first: 5)")
				h = h || strings.Contains(e, `"Bearer `+serviceToken+`"`)
			}
			return q && h
		})
	t.Logf("GraphiQL rendered after %v", time.Since(start).Round(time.Millisecond))

	if err := b.eval(ctx, `document.querySelector(".graphiql-execute-button").click(), true`, nil); err != nil {
		t.Fatal(err)
	}
	var result string
	b.poll(ctx, t, "the result pane shows "+browserWant, 15*time.Second,
		`(() => { const w = document.querySelector(".result-window"); if (!w) return ""; const cm = w.querySelector(".CodeMirror"); return cm && cm.CodeMirror ? cm.CodeMirror.getValue() : w.innerText; })()`,
		&result, func() bool {
			if strings.Contains(result, `"errors"`) {
				t.Fatalf("the query failed:\n%s", result)
			}
			return strings.Contains(result, browserWant)
		})
	t.Logf("result shown after %v", time.Since(start).Round(time.Millisecond))

	// Offline: every request the page made went to the server, and the
	// page fetched the embedded scripts and posted the query there.
	srv, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	reqs := b.requests()
	seen := map[string]bool{}
	for _, r := range reqs {
		u, err := url.Parse(r.url)
		if err != nil {
			t.Errorf("request to %q: %v", r.url, err)
			continue
		}
		switch {
		case u.Scheme == "data" || u.Scheme == "blob" || u.Scheme == "about":
			// Never leaves the browser.
		case (u.Scheme == "http" || u.Scheme == "ws") && u.Host == srv.Host:
			seen[r.method+" "+u.Path] = true
		default:
			t.Errorf("the page requested %s, not on %s", r, srv.Host)
		}
	}
	for _, want := range []string{"GET /", "GET /playground/graphiql.min.js", "GET /playground/graphiql.min.css",
		"GET /playground/react.production.min.js", "GET /playground/react-dom.production.min.js", "POST /graphql"} {
		if !seen[want] {
			t.Errorf("the page made no request %s; it made %v", want, reqs)
		}
	}
	for _, f := range b.failures() {
		t.Errorf("a request failed: %s", f)
	}
	if t.Failed() {
		return
	}
	t.Logf("%d requests, all to %s", len(reqs), srv.Host)
}

// startServer runs the graph role of the real binary on a free loopback
// port with a fixed environment (a new data dir, so the embedded store is
// migrated and seeded) and returns its base URL.
func startServer(t *testing.T, serviceToken string) string {
	t.Helper()
	dir := t.TempDir()
	p := servetest.Start(t, servetest.Build(t), []string{
		"B2B_DATA_DIR=" + filepath.Join(dir, "data"),
		"JWT_SECRET=playground-browser-test-jwt-secret-0123456789",
		"SERVICE_TOKEN=" + serviceToken,
	}, []string{"graph"}, "--roles", "graph", "--port", "graph=0")
	return p.URL("graph", "")
}

// browser is headless Chromium driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: the browser reads NUL-terminated JSON messages
// on fd 3 and writes on fd 4), attached to one page.
type browser struct {
	w       *os.File
	session string

	mu       sync.Mutex // guards the fields below and writes to w
	next     int64
	pending  map[int64]chan cdpMessage
	reqs     []request
	failed   []string
	problems []string // exceptions and console errors, for the failure report
}

type request struct{ id, method, url string }

func (r request) String() string {
	u := r.url
	if len(u) > 100 { // data: URLs carry whole fonts
		u = u[:100] + "…"
	}
	return r.method + " " + u
}

type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// startChromium starts Chromium with a fresh profile, opens a page with
// the network, page and runtime events on, and stops the browser at
// cleanup, taking a screenshot first if the test failed.
func startChromium(ctx context.Context, t *testing.T, chromium string) *browser {
	t.Helper()
	dir := t.TempDir()
	browserIn, toBrowser, err := os.Pipe() // the browser reads fd 3
	if err != nil {
		t.Fatal(err)
	}
	fromBrowser, browserOut, err := os.Pipe() // and writes fd 4
	if err != nil {
		t.Fatal(err)
	}
	stderrPath := filepath.Join(dir, "chromium.stderr")
	stderr, err := os.Create(stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd := exec.Command(chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-quic", "--no-first-run", "--no-default-browser-check",
		// No host name resolves, only the server's loopback address
		// works: a page that wanted a CDN fails here even on a machine
		// with internet.
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--window-size=1280,1024",
		"--remote-debugging-pipe",
		"about:blank",
	)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
	}
	cmd.ExtraFiles = []*os.File{browserIn, browserOut}
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	// Its own process group: the renderer and other helpers go with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	browserIn.Close()
	browserOut.Close()

	b := &browser{w: toBrowser, pending: map[int64]chan cdpMessage{}}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		b.read(fromBrowser)
	}()
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = b.call(cctx, "Browser.close", nil, nil)
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			t.Log("chromium did not exit within 5 s of Browser.close: killing it")
		}
		// Its group (only its own, by its id): whatever helper stays.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		<-readDone
		toBrowser.Close()
		fromBrowser.Close()
		if t.Failed() {
			if out, err := os.ReadFile(stderrPath); err == nil {
				// Without a D-Bus in a container, Chromium complains
				// about it at length: leave that out.
				var lines []string
				for l := range strings.Lines(string(out)) {
					if !strings.Contains(l, ":ERROR:dbus/") {
						lines = append(lines, l)
					}
				}
				t.Logf("chromium stderr (D-Bus errors left out):\n%s", strings.Join(lines, ""))
			}
		}
	})

	// A page of its own, attached in flat mode: its messages carry its
	// session id.
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call(ctx, "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		t.Fatal(err)
	}
	b.session = attached.SessionID
	for _, domain := range []string{"Network", "Page", "Runtime", "Log"} {
		if err := b.call(ctx, domain+".enable", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Registered after the browser's cleanup, so it runs before it.
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, p := range b.snapshot(&b.problems) {
			t.Logf("page: %s", p)
		}
		t.Logf("requests: %v", b.requests())
		b.screenshot(t)
	})
	return b
}

// read dispatches the browser's messages until the pipe closes: replies
// to their callers, events to the request and problem lists.
func (b *browser) read(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			break
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		if m.ID != 0 {
			b.mu.Lock()
			c := b.pending[m.ID]
			delete(b.pending, m.ID)
			b.mu.Unlock()
			if c != nil {
				c <- m
			}
			continue
		}
		b.event(m)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, c := range b.pending {
		close(c)
		delete(b.pending, id)
	}
	b.pending = nil
}

func (b *browser) event(m cdpMessage) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch m.Method {
	case "Network.requestWillBeSent":
		var p struct {
			RequestID string `json:"requestId"`
			Request   struct{ URL, Method string }
		}
		if json.Unmarshal(m.Params, &p) == nil {
			b.reqs = append(b.reqs, request{p.RequestID, p.Request.Method, p.Request.URL})
		}
	case "Network.webSocketCreated":
		var p struct {
			RequestID string `json:"requestId"`
			URL       string `json:"url"`
		}
		if json.Unmarshal(m.Params, &p) == nil {
			b.reqs = append(b.reqs, request{p.RequestID, "WEBSOCKET", p.URL})
		}
	case "Network.loadingFailed":
		var p struct {
			RequestID string `json:"requestId"`
			ErrorText string `json:"errorText"`
			Canceled  bool   `json:"canceled"`
		}
		if json.Unmarshal(m.Params, &p) == nil && !p.Canceled {
			what := "request " + p.RequestID
			for _, r := range b.reqs {
				if r.id == p.RequestID {
					what = r.String()
				}
			}
			b.failed = append(b.failed, what+": "+p.ErrorText)
		}
	case "Runtime.exceptionThrown", "Runtime.consoleAPICalled", "Log.entryAdded":
		b.problems = append(b.problems, m.Method+" "+string(m.Params))
	}
}

func (b *browser) snapshot(list *[]string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), *list...)
}

func (b *browser) requests() []request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]request(nil), b.reqs...)
}

func (b *browser) failures() []string { return b.snapshot(&b.failed) }

// call sends one command (to the page once attached) and decodes its
// result into result unless it is nil.
func (b *browser) call(ctx context.Context, method string, params, result any) error {
	if params == nil {
		params = struct{}{}
	}
	p, err := json.Marshal(params)
	if err != nil {
		return err
	}
	reply := make(chan cdpMessage, 1)
	b.mu.Lock()
	if b.pending == nil {
		b.mu.Unlock()
		return fmt.Errorf("%s: the browser is gone", method)
	}
	b.next++
	id := b.next
	b.pending[id] = reply
	msg, err := json.Marshal(cdpMessage{ID: id, SessionID: b.session, Method: method, Params: p})
	if err == nil {
		_, err = b.w.Write(append(msg, 0))
	}
	if err != nil {
		delete(b.pending, id)
	}
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m, ok := <-reply:
		if !ok {
			return fmt.Errorf("%s: the browser closed the pipe", method)
		}
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		if b.pending != nil {
			delete(b.pending, id)
		}
		b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// eval evaluates a JavaScript expression in the page and decodes its
// value into v unless it is nil.
func (b *browser) eval(ctx context.Context, expr string, v any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := b.call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r); err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		return fmt.Errorf("evaluate %s: %s %s", expr, e.Text, e.Exception.Description)
	}
	if v == nil || len(r.Result.Value) == 0 {
		return nil
	}
	return json.Unmarshal(r.Result.Value, v)
}

// poll evaluates expr into v until done says so, and fails the test when
// timeout passes first, showing the last value.
func (b *browser) poll(ctx context.Context, t *testing.T, what string, timeout time.Duration, expr string, v any, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := b.eval(ctx, expr, v)
		if err == nil && done() {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			last, _ := json.Marshal(v)
			t.Fatalf("not within %v: %s (last error: %v; last value: %s)", timeout, what, err, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenshot saves the page as a PNG in a directory that outlives the
// test, and logs its path.
func (b *browser) screenshot(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var shot struct {
		Data string `json:"data"`
	}
	if err := b.call(ctx, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	f, err := os.CreateTemp("", "playground-screenshot-*.png")
	if err == nil {
		_, err = f.Write(png)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", f.Name())
}
