package graph

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/codegen/config"
)

// TestGqlgenConfigsBindAlike: the combined graph and both subgraphs serve
// the same types, so their three gqlgen configs must bind every type they
// name to the same Go models; a model changed in one config and not the
// others would make the combined graph and a subgraph disagree on a value.
func TestGqlgenConfigsBindAlike(t *testing.T) {
	paths := []string{filepath.Join("..", "gqlgen.yml"), filepath.Join("customersgraph", "gqlgen.yml"), filepath.Join("ordersgraph", "gqlgen.yml")}
	var want config.TypeMap
	for _, p := range paths {
		cfg, err := config.LoadConfig(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !reflect.DeepEqual(cfg.AutoBind, []string{"github.com/b2b-orders/platform/graph/model"}) {
			t.Errorf("%s: autobind %v, want graph/model alone", p, cfg.AutoBind)
		}
		models := config.TypeMap{}
		for name, m := range cfg.Models {
			if len(m.Model) > 0 {
				models[name] = config.TypeMapEntry{Model: m.Model}
			}
		}
		if want == nil {
			want = models
			if len(want) == 0 {
				t.Fatalf("%s binds no model", p)
			}
			continue
		}
		if !reflect.DeepEqual(models, want) {
			t.Errorf("%s binds %v, %s binds %v", p, models, paths[0], want)
		}
	}
}
