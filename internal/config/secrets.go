package config

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/b2b-orders/platform/db"
)

// SecretsFile is the name, inside the data dir, of the secrets generated
// for the embedded store.
const SecretsFile = "secrets.json"

// storedSecrets is the content of SecretsFile.
type storedSecrets struct {
	JWTSecret    string `json:"jwt_secret"`
	ServiceToken string `json:"service_token"`
}

// ResolveSecrets returns cfg with JWTSecret and ServiceToken set, for the
// commands that sign or check credentials (serve, token).
//
// Values from the environment always win. On the embedded store a missing
// one comes from B2B_DATA_DIR/secrets.json, created with random values the
// first time, so a fresh checkout runs with no setup and `b2b token` signs
// with the secret the server checks. With MySQL it is an error instead:
// such a deployment usually runs its roles as separate processes, often on
// separate machines, and secrets generated per data dir would differ
// between them. generated reports whether the file was created now.
// Errors: a missing secret with MySQL; an unreadable or invalid secrets
// file; a data dir that cannot be written.
func (cfg Config) ResolveSecrets() (_ Config, generated bool, err error) {
	if cfg.JWTSecret != "" && cfg.ServiceToken != "" {
		return cfg, false, nil
	}
	if cfg.DB.Driver == db.DriverMySQL {
		return cfg, false, errors.New("JWT_SECRET and SERVICE_TOKEN must be set with DB_DRIVER=mysql (generated secrets are kept only for the embedded store)")
	}
	s, generated, err := loadOrCreateSecrets(cfg.DB.DataDir)
	if err != nil {
		return cfg, false, err
	}
	if cfg.JWTSecret == "" {
		cfg.JWTSecret = s.JWTSecret
	}
	if cfg.ServiceToken == "" {
		cfg.ServiceToken = s.ServiceToken
	}
	return cfg, generated, nil
}

// loadOrCreateSecrets reads dir/secrets.json, creating it with new random
// secrets (mode 0600) when it does not exist. The file is written under a
// temporary name and linked into place, so two processes starting at once
// never see a half-written file and agree on one set of secrets.
func loadOrCreateSecrets(dir string) (_ storedSecrets, created bool, err error) {
	path := filepath.Join(dir, SecretsFile)
	s, err := readSecrets(path)
	if err == nil {
		return s, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return s, false, err
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return s, false, fmt.Errorf("create data dir: %w", err)
	}
	for _, v := range []*string{&s.JWTSecret, &s.ServiceToken} {
		if *v, err = randomHex(32); err != nil {
			return s, false, err
		}
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return s, false, err
	}
	tmp, err := os.CreateTemp(dir, SecretsFile+".*")
	if err != nil {
		return s, false, fmt.Errorf("write secrets: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp already uses 0600; Chmod states it where it matters.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return s, false, fmt.Errorf("write secrets: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return s, false, fmt.Errorf("write secrets: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return s, false, fmt.Errorf("write secrets: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process won the race: use its secrets.
			s, err := readSecrets(path)
			return s, false, err
		}
		return s, false, fmt.Errorf("write secrets: %w", err)
	}
	return s, true, nil
}

func readSecrets(path string) (storedSecrets, error) {
	var s storedSecrets
	data, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(data, &s); err != nil || s.JWTSecret == "" || s.ServiceToken == "" {
		return storedSecrets{}, fmt.Errorf("%s is not a valid secrets file (delete it to generate new secrets, which invalidates issued tokens)", path)
	}
	return s, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}
