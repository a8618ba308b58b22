package server

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/b2b-orders/platform/internal/gqlcode"
)

// Limits bound what one document may ask for. They are checked on the
// parsed document before it is validated, because validation itself is
// the first expensive step: the "fields can be merged" rule compares every
// pair of fields that share a response name, so 5,000 copies of one alias
// cost tens of seconds and gigabytes. Zero fields take the defaults.
type Limits struct {
	// Tokens bounds the lexical tokens of a document; parsing stops at
	// the first token past it.
	Tokens int
	// Fields bounds the selected fields of a document, counting a
	// fragment's fields once for every place it is spread.
	Fields int
	// Aliases bounds the aliased fields, counted the same way.
	Aliases int
	// SameName bounds the fields that share one response name within one
	// selection set, fragments merged in: what validation compares pairwise.
	SameName int
	// RootMutations bounds the root fields of a mutation, each of which
	// is a write of its own.
	RootMutations int
	// Errors bounds the validation errors of one document; validation
	// stops at the first error past it.
	Errors int
}

// The defaults of Limits, chosen from what real clients send: GraphiQL's
// introspection query has about 350 tokens and 400 fields counted this
// way, the documented queries and the gateways' query plans far fewer, and
// the orchestrator sends one mutation field.
const (
	DefaultMaxTokens        = 10000
	DefaultMaxFields        = 2000
	DefaultMaxAliases       = 100
	DefaultMaxSameName      = 20
	DefaultMaxRootMutations = 10
	DefaultMaxErrors        = 20
)

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.Tokens, DefaultMaxTokens)
	def(&l.Fields, DefaultMaxFields)
	def(&l.Aliases, DefaultMaxAliases)
	def(&l.SameName, DefaultMaxSameName)
	def(&l.RootMutations, DefaultMaxRootMutations)
	def(&l.Errors, DefaultMaxErrors)
	return l
}

// parse parses query within l.Tokens. Errors: GRAPHQL_PARSE_FAILED.
func (l Limits) parse(query string) (*ast.QueryDocument, *gqlerror.Error) {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, l.Tokens)
	if err != nil {
		gqlErr, ok := err.(*gqlerror.Error)
		if !ok {
			gqlErr = &gqlerror.Error{Message: "The document could not be parsed"}
		}
		gqlErr.Extensions = map[string]any{"code": gqlcode.ParseFailed}
		return nil, gqlErr
	}
	if len(doc.Operations) == 0 {
		return nil, codedError(gqlcode.ValidationFailed, "The document has no operation")
	}
	return doc, nil
}

// check refuses a parsed document that asks for more than l allows. Its
// cost is linear in the document: fragments are measured once, however
// often they are spread.
func (l Limits) check(doc *ast.QueryDocument) *gqlerror.Error {
	m := measurer{limits: l, doc: doc, counts: map[string]counts{}, roots: map[string]int{},
		names: map[string]map[string]int{}, open: map[string]bool{}}
	var total counts
	spread := spreadFragments(doc)
	for _, op := range doc.Operations {
		total = total.add(m.count(op.SelectionSet))
	}
	// A fragment no operation spreads is refused by validation, which
	// still walks it: it counts too.
	for _, f := range doc.Fragments {
		if !spread[f.Name] {
			total = total.add(m.fragment(f.Name))
		}
	}
	if total.fields > l.Fields {
		return codedError(gqlcode.FieldLimit, "The document selects "+countText(total.fields)+" fields; the limit is "+itoa(l.Fields))
	}
	if total.aliases > l.Aliases {
		return codedError(gqlcode.AliasLimit, "The document has "+countText(total.aliases)+" aliases; the limit is "+itoa(l.Aliases))
	}
	// Only now that the document is known to be small: the root fields of
	// mutations and the merged selection sets, whose size the counts above
	// bound.
	for _, op := range doc.Operations {
		if op.Operation == ast.Mutation {
			if n := m.rootFields(op.SelectionSet); n > l.RootMutations {
				return codedError(gqlcode.MutationLimit, "The mutation has "+countText(n)+" root fields; the limit is "+itoa(l.RootMutations))
			}
		}
		if _, err := m.flatten(op.SelectionSet); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if _, err := m.fragmentNames(f.Name); err != nil {
			return err
		}
	}
	return nil
}

// spreadFragments names the fragments spread anywhere in doc.
func spreadFragments(doc *ast.QueryDocument) map[string]bool {
	spread := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				walk(sel.SelectionSet)
			case *ast.InlineFragment:
				walk(sel.SelectionSet)
			case *ast.FragmentSpread:
				spread[sel.Name] = true
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		walk(f.SelectionSet)
	}
	return spread
}

// saturated is where counts stop growing: a fragment spread twice in a
// fragment spread twice… doubles at each level.
const saturated = 1 << 30

type counts struct{ fields, aliases int }

func (c counts) add(d counts) counts {
	return counts{min(c.fields+d.fields, saturated), min(c.aliases+d.aliases, saturated)}
}

// measurer measures one document; its maps memoize fragments.
type measurer struct {
	limits Limits
	doc    *ast.QueryDocument
	counts map[string]counts
	roots  map[string]int
	names  map[string]map[string]int
	// open are the fragments being measured: a spread of one of them is
	// a cycle, which validation refuses, and counts nothing here.
	open map[string]bool
}

func (m *measurer) count(set ast.SelectionSet) counts {
	var c counts
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			c = c.add(counts{fields: 1})
			if sel.Alias != "" && sel.Alias != sel.Name {
				c = c.add(counts{aliases: 1})
			}
			c = c.add(m.count(sel.SelectionSet))
		case *ast.InlineFragment:
			c = c.add(m.count(sel.SelectionSet))
		case *ast.FragmentSpread:
			c = c.add(m.fragment(sel.Name))
		}
	}
	return c
}

func (m *measurer) fragment(name string) counts {
	if c, ok := m.counts[name]; ok {
		return c
	}
	def := m.doc.Fragments.ForName(name)
	if def == nil || m.open[name] {
		return counts{}
	}
	m.open[name] = true
	c := m.count(def.SelectionSet)
	delete(m.open, name)
	m.counts[name] = c
	return c
}

// rootFields counts the fields of a root selection set, fragments merged in.
func (m *measurer) rootFields(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name != "__typename" {
				n++
			}
		case *ast.InlineFragment:
			n += m.rootFields(sel.SelectionSet)
		case *ast.FragmentSpread:
			n += m.fragmentRootFields(sel.Name)
		}
		n = min(n, saturated)
	}
	return n
}

func (m *measurer) fragmentRootFields(name string) int {
	if n, ok := m.roots[name]; ok {
		return n
	}
	def := m.doc.Fragments.ForName(name)
	if def == nil || m.open[name] {
		return 0
	}
	m.open[name] = true
	n := m.rootFields(def.SelectionSet)
	delete(m.open, name)
	m.roots[name] = n
	return n
}

// flatten returns how many fields of each response name set holds with
// its fragments merged in, and checks every selection set below it.
func (m *measurer) flatten(set ast.SelectionSet) (map[string]int, *gqlerror.Error) {
	names := map[string]int{}
	merge := func(from map[string]int) *gqlerror.Error {
		for name, n := range from {
			names[name] += n
			if names[name] > m.limits.SameName {
				return codedError(gqlcode.FieldLimit, fmt.Sprintf("The response name %q is selected more than %d times in one selection set",
					truncate(name, 64), m.limits.SameName))
			}
		}
		return nil
	}
	for _, sel := range set {
		var sub map[string]int
		var err *gqlerror.Error
		switch sel := sel.(type) {
		case *ast.Field:
			name := sel.Alias
			if name == "" {
				name = sel.Name
			}
			sub = map[string]int{name: 1}
			if _, err = m.flatten(sel.SelectionSet); err != nil {
				return nil, err
			}
		case *ast.InlineFragment:
			sub, err = m.flatten(sel.SelectionSet)
		case *ast.FragmentSpread:
			sub, err = m.fragmentNames(sel.Name)
		}
		if err != nil {
			return nil, err
		}
		if err := merge(sub); err != nil {
			return nil, err
		}
	}
	return names, nil
}

func (m *measurer) fragmentNames(name string) (map[string]int, *gqlerror.Error) {
	if names, ok := m.names[name]; ok {
		return names, nil
	}
	def := m.doc.Fragments.ForName(name)
	if def == nil || m.open[name] {
		return nil, nil
	}
	m.open[name] = true
	names, err := m.flatten(def.SelectionSet)
	delete(m.open, name)
	if err != nil {
		return nil, err
	}
	m.names[name] = names
	return names, nil
}

// errorLimit stops a validation that reached Limits.Errors.
type errorLimit struct{}

// validationRules are the rules every document of a graph is validated
// by, on every transport: gqlparser's default rules, without "Did you
// mean" hints unless suggest, and intRange.
func validationRules(suggest bool) *rules.Rules {
	set := rules.NewDefaultRules()
	if !suggest {
		set.ReplaceRule(rules.FieldsOnCorrectTypeRule.Name, rules.FieldsOnCorrectTypeRuleWithoutSuggestions.RuleFunc)
		set.ReplaceRule(rules.ScalarLeafsRule.Name, rules.ScalarLeafsRuleWithoutSuggestions.RuleFunc)
	}
	set.AddRule(intRange.Name, intRange.RuleFunc)
	return set
}

// validate runs validationRules on doc and returns their errors,
// at most l.Errors of them followed by one that says validation stopped
// there. Like graphql-js, it aborts the walk at the limit rather than
// finishing it: a document with a million errors costs no more than one
// with twenty. suggest false leaves "Did you mean" hints out of the
// messages, which name fields a client may not be allowed to introspect.
func (l Limits) validate(schema *ast.Schema, doc *ast.QueryDocument, suggest bool) (errs gqlerror.List) {
	set := validationRules(suggest)
	var capped []core.Rule
	for name, fn := range set.GetInner() {
		capped = append(capped, core.Rule{Name: name, RuleFunc: func(observers *core.Events, _ core.AddErrFunc) {
			fn(observers, func(options ...core.ErrorOption) {
				if len(errs) == l.Errors {
					panic(errorLimit{})
				}
				err := &gqlerror.Error{Rule: name}
				for _, o := range options {
					o(err)
				}
				errs = append(errs, err)
			})
		}})
	}
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(errorLimit); !ok {
				panic(v)
			}
			errs = append(errs, &gqlerror.Error{Message: "Too many validation errors: validation stopped after " + itoa(l.Errors)})
		}
		for _, e := range errs {
			e.Extensions = map[string]any{"code": gqlcode.ValidationFailed}
		}
	}()
	validator.ValidateWithRules(schema, doc, rules.NewRules(capped...))
	return errs
}

func codedError(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}

// countText is n, or "over a billion" once n stopped counting.
func countText(n int) string {
	if n >= saturated {
		return "over a billion"
	}
	return itoa(n)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
