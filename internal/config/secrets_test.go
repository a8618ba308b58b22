package config

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func sqliteConfig(t *testing.T, dataDir string, extra map[string]string) Config {
	t.Helper()
	m := map[string]string{"B2B_DATA_DIR": dataDir}
	for k, v := range extra {
		m[k] = v
	}
	cfg, err := Load(env(m))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestSecretsGeneratedOnceAndReused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // does not exist yet
	cfg := sqliteConfig(t, dir, nil)

	first, generated, err := cfg.ResolveSecrets()
	if err != nil {
		t.Fatal(err)
	}
	if !generated {
		t.Fatal("first run did not report generating secrets")
	}
	for name, v := range map[string]string{"JWT_SECRET": first.JWTSecret, "SERVICE_TOKEN": first.ServiceToken} {
		if len(v) != 64 || strings.Trim(v, "0123456789abcdef") != "" {
			t.Errorf("%s = %q, want 32 random bytes in hex", name, v)
		}
	}
	if first.JWTSecret == first.ServiceToken {
		t.Error("both secrets are the same")
	}
	info, err := os.Stat(filepath.Join(dir, SecretsFile))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("secrets file mode = %v, want 0600", perm)
	}

	second, generated, err := cfg.ResolveSecrets()
	if err != nil {
		t.Fatal(err)
	}
	if generated || second.JWTSecret != first.JWTSecret || second.ServiceToken != first.ServiceToken {
		t.Fatalf("second run: generated=%v, secrets changed=%v", generated,
			second.JWTSecret != first.JWTSecret || second.ServiceToken != first.ServiceToken)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data dir holds %d files, want only %s (no temporary files left)", len(entries), SecretsFile)
	}
}

func TestSecretsFromEnvironmentWin(t *testing.T) {
	dir := t.TempDir()
	cfg := sqliteConfig(t, dir, map[string]string{"JWT_SECRET": "from-env"})
	got, _, err := cfg.ResolveSecrets()
	if err != nil {
		t.Fatal(err)
	}
	if got.JWTSecret != "from-env" || got.ServiceToken == "" {
		t.Fatalf("JWT secret %q, service token set %v", got.JWTSecret, got.ServiceToken != "")
	}

	both := sqliteConfig(t, t.TempDir(), map[string]string{"JWT_SECRET": "a", "SERVICE_TOKEN": "b"})
	got, generated, err := both.ResolveSecrets()
	if err != nil || generated || got.JWTSecret != "a" || got.ServiceToken != "b" {
		t.Fatalf("got %v generated=%v err=%v", got, generated, err)
	}
	if _, err := os.Stat(filepath.Join(both.DB.DataDir, SecretsFile)); !os.IsNotExist(err) {
		t.Errorf("secrets file written although the environment set both: %v", err)
	}
}

func TestSecretsRequiredWithMySQL(t *testing.T) {
	for _, extra := range []map[string]string{
		{"DB_DRIVER": "mysql"},
		{"DB_DRIVER": "mysql", "JWT_SECRET": "set"},
		{"DB_DRIVER": "mysql", "SERVICE_TOKEN": "set"},
	} {
		cfg := sqliteConfig(t, t.TempDir(), extra)
		_, _, err := cfg.ResolveSecrets()
		if err == nil || !strings.Contains(err.Error(), "must be set with DB_DRIVER=mysql") {
			t.Errorf("%v: err = %v", extra, err)
		}
	}
	cfg := sqliteConfig(t, t.TempDir(), map[string]string{"DB_DRIVER": "mysql", "JWT_SECRET": "a", "SERVICE_TOKEN": "b"})
	if _, _, err := cfg.ResolveSecrets(); err != nil {
		t.Errorf("both set: %v", err)
	}
}

func TestSecretsFileInvalid(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, SecretsFile), []byte(`{"jwt_secret":""}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := sqliteConfig(t, dir, nil).ResolveSecrets()
	if err == nil || !strings.Contains(err.Error(), "not a valid secrets file") {
		t.Fatalf("err = %v", err)
	}
}

// Processes starting together on a new data dir agree on one set of secrets.
func TestSecretsConcurrentFirstRuns(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	results := make([]storedSecrets, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i], _, errs[i] = loadOrCreateSecrets(dir) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if results[i] != results[0] {
			t.Fatalf("run %d got other secrets than run 0", i)
		}
	}
}
