package app

import (
	"context"
	"log/slog"

	"github.com/b2b-orders/platform/auth/oidc"
	"github.com/b2b-orders/platform/internal/config"
)

// NewOIDC returns the verifier of the seller's identity provider for
// Options.OIDC, and the function that stops its key refresh; nil and a
// no-op when OIDC_ISSUER is unset. It fetches nothing: a provider that is
// down at start is asked again on first use.
// Errors: oidc.New's, for an unusable configuration.
func NewOIDC(ctx context.Context, cfg config.OIDCConfig, log *slog.Logger) (*oidc.Verifier, func(), error) {
	if cfg.Issuer == "" {
		return nil, func() {}, nil
	}
	v, err := oidc.New(ctx, oidc.Config{Issuer: cfg.Issuer, Audience: cfg.Audience, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return v, v.Close, nil
}
