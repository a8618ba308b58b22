package server

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/b2b-orders/platform/internal/gqlcode"
)

// Introspection says who may ask a graph for its schema: __schema and
// __type, and federation's _service { sdl }. __typename is always allowed.
type Introspection string

const (
	// IntrospectionPublic (the default) lets anyone introspect, credentials
	// or not. GraphiQL introspects as its page opens, before a user can
	// give it a token; what introspection costs is bounded like any
	// operation's, and the data stays behind authentication.
	IntrospectionPublic Introspection = "public"
	// IntrospectionAuthenticated lets every caller that may run operations
	// introspect: a valid credential, or no credential when the operator
	// opened the public routes (AUTH_REQUIRED=false).
	IntrospectionAuthenticated Introspection = "authenticated"
	// IntrospectionOff refuses __schema and __type to everyone; _service
	// stays open to authenticated callers, since gateways compose from it.
	IntrospectionOff Introspection = "off"
)

// Executable builds the executable schema that newSchema (a generated
// NewExecutableSchema) makes of cfg, serving PublicSchema of it: what
// validation checks against and what introspection shows.
func Executable[R, D, C any](newSchema func(graphql.Config[R, D, C]) graphql.ExecutableSchema, cfg graphql.Config[R, D, C]) graphql.ExecutableSchema {
	cfg.Schema = PublicSchema(newSchema(cfg).Schema())
	return newSchema(cfg)
}

// specLocations are the directive locations of the October 2021 GraphQL
// specification, which most clients implement: graphql-core 3.2 (Python)
// fails to load a schema whose introspection names any other.
var specLocations = map[ast.DirectiveLocation]bool{
	ast.LocationQuery: true, ast.LocationMutation: true, ast.LocationSubscription: true,
	ast.LocationField: true, ast.LocationFragmentDefinition: true, ast.LocationFragmentSpread: true,
	ast.LocationInlineFragment: true, ast.LocationVariableDefinition: true,
	ast.LocationSchema: true, ast.LocationScalar: true, ast.LocationObject: true,
	ast.LocationFieldDefinition: true, ast.LocationArgumentDefinition: true, ast.LocationInterface: true,
	ast.LocationUnion: true, ast.LocationEnum: true, ast.LocationEnumValue: true,
	ast.LocationInputObject: true, ast.LocationInputFieldDefinition: true,
}

// entityType is the type gqlgen's federation plugin adds for its own entity
// resolvers; no field reaches it, so no client can use it or its inputs.
const entityType = "Entity"

// PublicSchema returns a copy of s without what no client can use:
// gqlgen's Entity type and the inputs only its fields take, and directive
// locations newer than the October 2021 specification (gqlparser's
// prelude lets @deprecated stand on directive definitions). s itself is
// left as it is: the generated code shares it.
func PublicSchema(s *ast.Schema) *ast.Schema {
	out := *s
	out.Types = make(map[string]*ast.Definition, len(s.Types))
	for name, def := range s.Types {
		out.Types[name] = def
	}
	if entity := s.Types[entityType]; entity != nil && entity.Kind == ast.Object {
		delete(out.Types, entityType)
		for _, f := range entity.Fields {
			for _, arg := range f.Arguments {
				if name := arg.Type.Name(); !usedOutside(s, name) {
					delete(out.Types, name)
				}
			}
		}
	}
	out.Directives = make(map[string]*ast.DirectiveDefinition, len(s.Directives))
	for name, d := range s.Directives {
		var locs []ast.DirectiveLocation
		for _, l := range d.Locations {
			if specLocations[l] {
				locs = append(locs, l)
			}
		}
		if len(locs) == 0 {
			continue
		}
		if len(locs) != len(d.Locations) {
			d2 := *d
			d2.Locations = locs
			d = &d2
		}
		out.Directives[name] = d
	}
	return &out
}

// usedOutside reports whether any type but Entity refers to the type name.
func usedOutside(s *ast.Schema, name string) bool {
	for tname, def := range s.Types {
		if tname == entityType {
			continue
		}
		for _, f := range def.Fields {
			if f.Type.Name() == name {
				return true
			}
			for _, a := range f.Arguments {
				if a.Type.Name() == name {
					return true
				}
			}
		}
	}
	return false
}

// introspectionFields are the root fields that read the schema.
var introspectionFields = map[string]bool{"__schema": true, "__type": true}

// complexityLimit is gqlgen's complexity limit with introspection counted:
// gqlgen skips __schema and counts __type as one field, so an aliased
// introspection query would multiply without bound. Introspection is
// costed by the size of its answer, which the schema fixes.
type complexityLimit struct {
	limit int
	es    graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*complexityLimit)(nil)

func (*complexityLimit) ExtensionName() string { return "ComplexityLimit" }

func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *complexityLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	n := complexity.Calculate(ctx, c.es, opCtx.Operation, opCtx.Variables,
		complexity.WithIgnoreFields(map[string]struct{}{"Query.__type": {}}))
	if n <= c.limit {
		ic := introspectionCost{schema: c.es.Schema(), vars: opCtx.Variables, budget: c.limit - n}
		ic.rootSet(opCtx.Operation.SelectionSet)
		n += ic.cost
	}
	if n > c.limit {
		return codedError(gqlcode.ComplexityLimit, "operation has complexity "+countText(n)+", which exceeds the limit of "+itoa(c.limit))
	}
	return nil
}

// introspectionCost counts the fields an introspection answer will hold,
// one per field of every object in it, lists by their real length. It
// stops counting once past budget, so its own work is bounded by it.
type introspectionCost struct {
	schema *ast.Schema
	vars   map[string]any
	budget int
	cost   int
}

func (ic *introspectionCost) over() bool { return ic.cost > ic.budget }

// fields calls visit for every field of set, fragments merged in.
func fields(set ast.SelectionSet, visit func(*ast.Field)) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			visit(sel)
		case *ast.InlineFragment:
			fields(sel.SelectionSet, visit)
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				fields(sel.Definition.SelectionSet, visit)
			}
		}
	}
}

func (ic *introspectionCost) rootSet(set ast.SelectionSet) {
	fields(set, func(f *ast.Field) {
		if ic.over() {
			return
		}
		switch f.Name {
		case "__schema":
			ic.cost++
			ic.schemaValue(f.SelectionSet)
		case "__type":
			ic.cost++
			name, _ := f.ArgumentMap(ic.vars)["name"].(string)
			if def := ic.schema.Types[name]; def != nil {
				ic.typeValue(f.SelectionSet, &ast.Type{NamedType: name}, def)
			}
		}
	})
}

func (ic *introspectionCost) schemaValue(set ast.SelectionSet) {
	fields(set, func(f *ast.Field) {
		if ic.over() {
			return
		}
		ic.cost++
		switch f.Name {
		case "types":
			for name, def := range ic.schema.Types {
				ic.typeValue(f.SelectionSet, &ast.Type{NamedType: name}, def)
			}
		case "queryType":
			ic.namedType(f.SelectionSet, ic.schema.Query)
		case "mutationType":
			ic.namedType(f.SelectionSet, ic.schema.Mutation)
		case "subscriptionType":
			ic.namedType(f.SelectionSet, ic.schema.Subscription)
		case "directives":
			for _, d := range ic.schema.Directives {
				ic.directive(f.SelectionSet, d)
			}
		}
	})
}

func (ic *introspectionCost) namedType(set ast.SelectionSet, def *ast.Definition) {
	if def != nil {
		ic.typeValue(set, &ast.Type{NamedType: def.Name}, def)
	}
}

// typeValue counts a __Type: t is the type reference, def its named type.
func (ic *introspectionCost) typeValue(set ast.SelectionSet, t *ast.Type, def *ast.Definition) {
	wrapped := t.NonNull || t.Elem != nil
	fields(set, func(f *ast.Field) {
		if ic.over() {
			return
		}
		ic.cost++
		switch f.Name {
		case "ofType":
			switch {
			case t.NonNull:
				inner := *t
				inner.NonNull = false
				ic.typeValue(f.SelectionSet, &inner, def)
			case t.Elem != nil:
				ic.typeValue(f.SelectionSet, t.Elem, ic.schema.Types[t.Elem.Name()])
			}
		case "fields", "inputFields":
			if wrapped || def == nil || (f.Name == "inputFields") != (def.Kind == ast.InputObject) {
				return
			}
			for _, fd := range def.Fields {
				if !strings.HasPrefix(fd.Name, "__") {
					ic.field(f.SelectionSet, fd.Arguments, fd.Type)
				}
			}
		case "enumValues":
			if !wrapped && def != nil {
				ic.cost += len(def.EnumValues) * selected(f.SelectionSet)
			}
		case "interfaces":
			if !wrapped && def != nil {
				for _, name := range def.Interfaces {
					ic.namedType(f.SelectionSet, ic.schema.Types[name])
				}
			}
		case "possibleTypes":
			if !wrapped && def != nil && (def.Kind == ast.Interface || def.Kind == ast.Union) {
				for _, p := range ic.schema.GetPossibleTypes(def) {
					ic.namedType(f.SelectionSet, p)
				}
			}
		}
	})
}

// field counts a __Field or an __InputValue: its arguments and its type.
func (ic *introspectionCost) field(set ast.SelectionSet, args ast.ArgumentDefinitionList, t *ast.Type) {
	fields(set, func(f *ast.Field) {
		if ic.over() {
			return
		}
		ic.cost++
		switch f.Name {
		case "args":
			for _, a := range args {
				ic.field(f.SelectionSet, nil, a.Type)
			}
		case "type":
			ic.typeValue(f.SelectionSet, t, ic.schema.Types[t.Name()])
		}
	})
}

func (ic *introspectionCost) directive(set ast.SelectionSet, d *ast.DirectiveDefinition) {
	fields(set, func(f *ast.Field) {
		if ic.over() {
			return
		}
		ic.cost++
		if f.Name == "args" {
			for _, a := range d.Arguments {
				ic.field(f.SelectionSet, nil, a.Type)
			}
		}
	})
}

// selected counts the fields of a set of leaves.
func selected(set ast.SelectionSet) int {
	n := 0
	fields(set, func(*ast.Field) { n++ })
	return n
}
