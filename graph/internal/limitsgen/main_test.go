package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/graph/model"
	"github.com/b2b-orders/platform/graph/server"
	"github.com/b2b-orders/platform/internal/gqlcode"
)

var limitsModule = filepath.Join("..", "..", "..", "deploy", "limits.mjs")

// TestLimitsModuleUpToDate: deploy/limits.mjs holds what the generator
// writes from the Go side now. CI's `go generate ./...` diff check finds
// the same; this finds it in `go test`, before a push.
func TestLimitsModuleUpToDate(t *testing.T) {
	src, err := os.ReadFile(limitsModule)
	if err != nil {
		t.Fatal(err)
	}
	want, err := rewrite(src)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(src) {
		t.Fatal("deploy/limits.mjs is stale: run go generate ./graph/")
	}
}

// The generated part says what the Go side says: spot checks against
// the Go values themselves, in case the generator reads the wrong one.
func TestBlock(t *testing.T) {
	b := block()
	if !strings.HasPrefix(b, begin) || !strings.HasSuffix(b, end) {
		t.Fatalf("the block is not bounded by its lines:\n%s", b)
	}
	for _, want := range []string{
		"  complexity: " + strconv.Itoa(server.DefaultMaxComplexity) + ",\n",
		"  depth: " + strconv.Itoa(server.DefaultMaxDepth) + ",\n",
		"  tokens: " + strconv.Itoa(server.DefaultMaxTokens) + ",\n",
		"  complexity: '" + gqlcode.ComplexityLimit + "',\n",
		"'" + gqlcode.FieldLimit + "': 400,\n",
		"const defaultFirst = " + strconv.Itoa(model.DefaultFirst) + ";\n",
		"const maxFirst = " + strconv.Itoa(model.MaxFirst) + ";\n",
		"'Order.items': Object.freeze({ kind: 'fixed', items: " + strconv.Itoa(model.ItemsPerOrder) + " }),\n",
		"'Query.webhookDeliveries': Object.freeze({ kind: 'paged' }),\n",
		"'Query.webhookEndpoints': Object.freeze({ kind: 'paged' }),\n",
	} {
		if !strings.Contains(b, want) {
			t.Errorf("the block lacks %q:\n%s", want, b)
		}
	}
	// Every costed list of the table is in it; the exempt ones count once
	// there as anywhere.
	for coord, l := range model.ListCosts() {
		if in := strings.Contains(b, "'"+coord+"'"); in != (l.Kind != model.ListOnce) {
			t.Errorf("%s (%s): in the block %v", coord, l.Kind, in)
		}
	}
}

// TestModuleCountsEveryKind: limits.mjs's own code (outside the generated
// part) has a case for every kind the generator writes, so that a kind
// added in Go cannot reach the gateways as a list counted once.
func TestModuleCountsEveryKind(t *testing.T) {
	src, err := os.ReadFile(limitsModule)
	if err != nil {
		t.Fatal(err)
	}
	head, rest, _ := strings.Cut(string(src), begin)
	_, tail, _ := strings.Cut(rest, end)
	own := head + tail
	for _, k := range []model.ListKind{model.ListPaged, model.ListFixed, model.ListRepresentations} {
		if !strings.Contains(own, "case '"+string(k)+"':") {
			t.Errorf("deploy/limits.mjs does not count lists of kind %q", k)
		}
	}
}

func TestRewrite(t *testing.T) {
	src := "head\n" + begin + " old\nold\n" + end + "\ntail\n"
	got, err := rewrite([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if want := "head\n" + block() + "\ntail\n"; string(got) != want {
		t.Fatalf("rewrite = %q", got)
	}
	again, err := rewrite(got)
	if err != nil || string(again) != string(got) {
		t.Fatalf("a second rewrite changed the file: %v", err)
	}
	for name, bad := range map[string]string{
		"no BEGIN":          "head\n" + end + "\n",
		"no END":            begin + "\nx\n",
		"BEGIN mid-line":    "x " + begin + "\n" + end + "\n",
		"more on END":       begin + "\n" + end + " x\n",
		"two parts":         begin + "\n" + end + "\n" + begin + "\n" + end + "\n",
		"END before BEGIN":  end + "\n" + begin + "\n",
		"nothing generated": "export const x = 1;\n",
	} {
		if _, err := rewrite([]byte(bad)); err == nil {
			t.Errorf("%s: rewritten", name)
		}
	}
}
