package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The deployed gateway (Hive Gateway with deploy/gateway.config.mjs)
// passes an API key on to the subgraphs, as X-API-Key and as a Bearer
// credential: an ERP reaches the graph through it exactly as directly.
func TestGatewayAPIKeys(t *testing.T) {
	if os.Getenv("B2B_GATEWAY_CHECK") != "1" {
		t.Skip("the gateway checks run from graph/federation/check.sh (B2B_GATEWAY_CHECK=1)")
	}
	supergraph, err := filepath.Abs(filepath.Join("federation", "supergraph.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	p, admin := startBinary(t)
	hive := startHive(t, supergraph, p)

	req, err := http.NewRequest(http.MethodPost, p.URL("customers", "/api/v1/customers/1/api-keys"),
		strings.NewReader(`{"name":"ERP","role":"buyer","location_ids":[2]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct {
		Data struct{ Key string } `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create a key: %d %v", resp.StatusCode, err)
	}

	const query = `{"query":"{ me { access customer { id } } orders { edges { node { id location { id } } } } }"}`
	const want = `{"data":{"me":{"access":"BUYER","customer":{"id":"1"}},"orders":{"edges":[]}}}`
	for name, header := range map[string][2]string{
		"X-API-Key": {"X-API-Key", created.Data.Key},
		"Bearer":    {"Authorization", "Bearer " + created.Data.Key},
	} {
		for target, url := range map[string]string{"hive": hive, "combined": p.URL("graph", "/graphql")} {
			req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(query))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(header[0], header[1])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got := string(bytes.TrimSpace(body)); resp.StatusCode != http.StatusOK || got != want {
				t.Errorf("%s through %s: %d %s, want %s", name, target, resp.StatusCode, got, want)
			}
		}
	}
}
