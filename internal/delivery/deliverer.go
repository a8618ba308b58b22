// Package delivery sends the webhook deliveries that services/webhooks
// fans out: it claims due attempts, signs them as Standard Webhooks
// define (webhook-id, webhook-timestamp, webhook-signature), posts them
// through a client that refuses private addresses, follows no redirect
// and times out, and records what came back.
package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/b2b-orders/platform/internal/wake"
	"github.com/b2b-orders/platform/services/webhooks"
)

// maxResponseBytes bounds what is read of a receiver's answer: its status
// is all that counts, and a hostile receiver must not fill our memory.
const maxResponseBytes = 4 << 10

// DefaultTimeout bounds one attempt, connection to answer, unless
// WEBHOOK_TIMEOUT says otherwise.
const DefaultTimeout = 10 * time.Second

// UserAgent identifies the deliveries to receivers.
const UserAgent = "b2b-webhooks/1"

// Deliverer claims due deliveries and sends them, every Interval or when
// Wake is notified, until its context ends. Every process that relays runs one;
// claims make each attempt one process's.
type Deliverer struct {
	Hooks *webhooks.Service
	// Client sends the requests: NewClient's.
	Client *http.Client
	// Batch is how many attempts one turn claims at most (default 20,
	// and never more than Workers), and Workers how many are sent at
	// once (default 8).
	Batch, Workers int
	// Interval is the longest wait between turns (default 1 s).
	Interval time.Duration
	// Now is the clock of the signatures' timestamps (default time.Now).
	Now func() time.Time
	// OnAttempt is told of each recorded attempt, for metrics and logs.
	OnAttempt func(webhooks.Job, webhooks.Result, webhooks.Outcome)
	// OnError is told of a turn that failed (the store did not answer).
	OnError func(error)
	// Wake asks for a turn before Interval has passed (the webhooks
	// service notifies it after a fan-out commits); nil: every Interval
	// only.
	Wake wake.Signal
}

func (d *Deliverer) workers() int {
	if d.Workers <= 0 {
		return 8
	}
	return d.Workers
}

// Run delivers until ctx ends.
func (d *Deliverer) Run(ctx context.Context) {
	batch, interval := d.Batch, d.Interval
	if batch <= 0 {
		batch = 20
	}
	if interval <= 0 {
		interval = time.Second
	}
	d.Wake.Loop(ctx, interval, func(ctx context.Context) bool {
		n, err := d.Turn(ctx, batch)
		if err != nil && ctx.Err() == nil && d.OnError != nil {
			d.OnError(err)
		}
		return n == min(batch, d.workers()) // more may be due
	})
}

// Turn claims at most batch due attempts, sends them and records each; it
// returns how many it claimed.
// Errors: claiming's, and the first failed record (that attempt's claim
// lapses and it is sent again).
func (d *Deliverer) Turn(ctx context.Context, batch int) (int, error) {
	workers := d.workers()
	// No more claims than can be sent at once: a claim's lease runs from
	// the claim, and a job that waited for a free worker could outlive it
	// and be claimed and sent by another process too.
	jobs, err := d.Hooks.Claim(ctx, min(batch, workers))
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, job := range jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res := d.send(ctx, job)
			if !res.Delivered() && ctx.Err() != nil {
				// Stopped mid-send: no answer of the receiver's, so no
				// failure to record against it. The claim lapses and
				// the attempt is made again after the lease.
				return
			}
			// Record a delivery even when ctx ended after it.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			out, rerr := d.Hooks.Record(rctx, job, res)
			if rerr != nil {
				mu.Lock()
				first = cmpOr(first, rerr)
				mu.Unlock()
				return
			}
			if d.OnAttempt != nil && !out.Stale {
				d.OnAttempt(job, res, out)
			}
		})
	}
	wg.Wait()
	return len(jobs), cmpOr(err, first)
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// send posts one attempt: the event's JSON, signed with the endpoint's
// secret over "id.timestamp.body".
func (d *Deliverer) send(ctx context.Context, job webhooks.Job) webhooks.Result {
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	startAt := time.Now()
	res := func(code int, err error) webhooks.Result {
		r := webhooks.Result{StatusCode: code, Duration: time.Since(startAt)}
		if err != nil {
			r.Err = err.Error()
		}
		return r
	}
	wh, err := standardwebhooks.NewWebhook(job.Secret)
	if err != nil {
		return res(0, fmt.Errorf("signing secret: %w", err))
	}
	ts := now()
	sig, err := wh.Sign(job.EventID, ts, job.Payload)
	if err != nil {
		return res(0, fmt.Errorf("sign: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.URL, bytes.NewReader(job.Payload))
	if err != nil {
		return res(0, fmt.Errorf("request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(standardwebhooks.HeaderWebhookID, job.EventID)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	resp, err := d.Client.Do(req)
	if err != nil {
		return res(0, cleanError(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		return res(resp.StatusCode, nil)
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		return res(resp.StatusCode, fmt.Errorf("answered %d: redirects are not followed", resp.StatusCode))
	}
	return res(resp.StatusCode, fmt.Errorf("answered %d", resp.StatusCode))
}

// cleanError drops the URL that net/http puts in front of a request's
// error: the log and the delivery log have the endpoint already.
func cleanError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && strings.HasPrefix(err.Error(), "Post ") {
		if inner := ue.Unwrap(); inner != nil {
			err = inner
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return fmt.Errorf("timed out: %w", err)
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Allow is the operator's allow-list (WEBHOOK_ALLOW_HOSTS): networks and
// host names that receivers may be at although the guard would refuse
// their addresses.
type Allow struct {
	Prefixes []netip.Prefix
	// Hosts are host names, compared without case, as URLs name them.
	Hosts []string
}

// String lists the allow-list as WEBHOOK_ALLOW_HOSTS takes it.
func (a Allow) String() string {
	var parts []string
	for _, p := range a.Prefixes {
		parts = append(parts, p.String())
	}
	parts = append(parts, a.Hosts...)
	if len(parts) == 0 {
		return "(public addresses only)"
	}
	return strings.Join(parts, ",")
}

// blocked are the addresses a receiver may not be at unless allowed:
// loopback, RFC 1918 and unique-local, link-local (cloud metadata lives at
// 169.254.169.254), carrier-grade NAT, "this network", multicast and
// broadcast, the unspecified addresses, and IPv4 reached through IPv6
// (mapped and NAT64 forms are unmapped before the check; IPv4-compatible,
// local-use NAT64 and 6to4 ones are refused whole).
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::/96"), // the unspecified, loopback and deprecated IPv4-compatible addresses
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2002::/16"),      // 6to4, which embeds any IPv4 address
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("ff00::/8"),
}

// ErrRefusedAddress is the error of a connection the guard refused.
var ErrRefusedAddress = errors.New("refused: the address is private, loopback or link-local and not in WEBHOOK_ALLOW_HOSTS")

// Refused reports whether the guard refuses ip under allow.
func Refused(ip netip.Addr, allow Allow) bool {
	ip = ip.Unmap()
	if ip.Is6() && netip.MustParsePrefix("64:ff9b::/96").Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte(b[12:]))
	}
	if slices.ContainsFunc(allow.Prefixes, func(p netip.Prefix) bool { return p.Contains(ip) }) {
		return false
	}
	return !ip.IsGlobalUnicast() || slices.ContainsFunc(blocked, func(p netip.Prefix) bool { return p.Contains(ip) })
}

// NewClient returns the deliveries' HTTP client: each request times out
// after timeout (connecting, sending and the answer's headers together),
// no redirect is followed (a 3xx is the answer, and a failure), no proxy
// is used, and connections go only to addresses the guard allows. The
// guard runs at dial time on the address actually dialled (the dialer's
// Control), after name resolution: a name that resolves to a private
// address, at registration or later (DNS rebinding), is refused all the
// same. A host name in allow.Hosts skips the check for that name.
func NewClient(timeout time.Duration, allow Allow) *http.Client {
	guarded := &net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w (%s)", ErrRefusedAddress, address)
		}
		if Refused(ap.Addr(), allow) {
			return fmt.Errorf("%w (%s)", ErrRefusedAddress, ap.Addr())
		}
		return nil
	}}
	open := &net.Dialer{Timeout: timeout}
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			if slices.ContainsFunc(allow.Hosts, func(h string) bool { return strings.EqualFold(h, host) }) {
				return open.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
