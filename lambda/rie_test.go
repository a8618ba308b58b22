package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/b2b-orders/platform/internal/servetest"
	"github.com/b2b-orders/platform/lambda/orchestrator"
)

// The real bootstrap, as AWS runs it, under the Lambda Runtime Interface
// Emulator, against a real `b2b serve`. The emulator answers handler
// failures with 200 and an error body, so the test reads bodies.
func TestBootstrapUnderEmulator(t *testing.T) {
	b2b := servetest.Build(t)
	dir := t.TempDir()
	bootstrap := filepath.Join(dir, "bootstrap")
	rie := filepath.Join(dir, "aws-lambda-rie")
	build := func(out string, args ...string) {
		t.Helper()
		cmd := exec.Command("go", append([]string{"build", "-o", out}, args...)...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", args, err, b)
		}
	}
	build(bootstrap, "-tags", "lambda.norpc", ".")
	build(rie, "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie")

	const token = "rie-service-token"
	srv := servetest.Start(t, b2b, []string{
		"B2B_DATA_DIR=" + filepath.Join(dir, "data"),
		"JWT_SECRET=rie-jwt-secret-rie-jwt-secret-0123456789",
		"SERVICE_TOKEN=" + token,
	}, []string{"graph"}, "--roles", "graph", "--port", "graph=0")

	addr, apiAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, bootstrap)
	cmd.Env = []string{
		"GRAPH_URL=" + srv.URL("graph", "/graphql"),
		"SERVICE_TOKEN=" + token,
		"GRAPH_TIMEOUT=5s",
		"PATH=" + os.Getenv("PATH"),
	}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("emulator and bootstrap output:\n%s", logs.String())
		}
	})
	waitListening(t, addr)

	invoke := func(event []byte) []byte {
		t.Helper()
		resp, err := http.Post("http://"+addr+"/2015-03-31/functions/function/invocations", "application/json", bytes.NewReader(event))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("emulator answered %s: %s", resp.Status, body)
		}
		return body
	}
	fixture, err := os.ReadFile(filepath.Join("testdata", "apigw-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var first, again events.APIGatewayProxyResponse
	if err := json.Unmarshal(invoke(fixture), &first); err != nil || first.StatusCode != http.StatusCreated {
		t.Fatalf("first invocation = %+v, %v", first, err)
	}
	if err := json.Unmarshal(invoke(fixture), &again); err != nil || again.StatusCode != http.StatusCreated {
		t.Fatalf("retry = %+v, %v", again, err)
	}
	var a, b orchestrator.Response
	_ = json.Unmarshal([]byte(first.Body), &a)
	_ = json.Unmarshal([]byte(again.Body), &b)
	if !a.Success || a.Data == nil || b.Data == nil || a.Data.Order.ID != b.Data.Order.ID || a.Data.Order.Status != "CONFIRMED" || a.CorrelationID != "req-789" {
		t.Fatalf("bodies: %s / %s", first.Body, again.Body)
	}
	// The replay took no more stock: product 2 started at 200 in the seed.
	stock := graphQuery(t, srv.URL("graph", "/graphql"), token, `{ product(id: "2") { stock } }`)
	if !strings.Contains(stock, `"stock":197`) {
		t.Fatalf("stock after a replayed invocation: %s", stock)
	}

	// A direct invocation with a bad body answers 400 in the body.
	bad := invoke([]byte(`{"customer_id":1,"items":[]}`))
	var direct struct {
		StatusCode int    `json:"statusCode"`
		Error      string `json:"error"`
	}
	if err := json.Unmarshal(bad, &direct); err != nil || direct.StatusCode != 400 || direct.Error != "At least one item is required" {
		t.Fatalf("bad direct invocation = %s", bad)
	}
}

func graphQuery(t *testing.T, url, token, query string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitListening polls until something accepts connections on addr.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
