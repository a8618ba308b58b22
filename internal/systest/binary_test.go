package systest

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/internal/app"
	"github.com/b2b-orders/platform/internal/config"
	"github.com/b2b-orders/platform/internal/servetest"
)

// The real binary on a new data dir: it creates its secrets, migrates and
// seeds the embedded store, serves /health on every role and stops cleanly
// on SIGTERM.
func TestServeBinary(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	names := app.RoleNames(app.Roles())
	args := []string{}
	for _, name := range names {
		args = append(args, "--port", name+"=0")
	}
	// A fixed environment: nothing of the developer's or CI's (DB_DRIVER,
	// secrets) leaks into the process.
	p := servetest.Start(t, servetest.Build(t), []string{"B2B_DATA_DIR=" + dataDir, "LOG_LEVEL=debug"}, names, args...)

	for _, want := range []string{`"msg":"generated JWT_SECRET and SERVICE_TOKEN"`, `"msg":"migrated"`, `"msg":"seeded `} {
		if !strings.Contains(p.Logs(), want) {
			t.Errorf("start-up log lacks %s:\n%s", want, p.Logs())
		}
	}
	for _, name := range names {
		resp, err := http.Get(p.URL(name, "/health"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), `{"status":"healthy","timestamp":"`) {
			t.Errorf("%s: /health = %d %s", name, resp.StatusCode, body)
		}
	}

	p.Stop(t)
	logs := strings.Split(strings.TrimSpace(p.Logs()), "\n")
	if last := logs[len(logs)-1]; !strings.Contains(last, `"msg":"stopped"`) {
		t.Errorf("last log line = %s, want stopped", last)
	}
	info, err := os.Stat(filepath.Join(dataDir, config.SecretsFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("secrets file mode %v", info.Mode().Perm())
	}
	var s struct {
		JWTSecret    string `json:"jwt_secret"`
		ServiceToken string `json:"service_token"`
	}
	if b, err := os.ReadFile(filepath.Join(dataDir, config.SecretsFile)); err != nil || json.Unmarshal(b, &s) != nil || s.JWTSecret == "" {
		t.Fatalf("secrets file: %v %+v", err, s)
	}
	if strings.Contains(p.Logs(), s.JWTSecret) || strings.Contains(p.Logs(), s.ServiceToken) {
		t.Error("the log shows a secret")
	}
}
