package server

import (
	"context"
	"encoding/json"
	"math"
	"math/big"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// GraphQL's Int is a signed 32-bit integer: the specification refuses a
// value outside it, as input (a literal or a variable) and as output.
// gqlgen reads Int into a Go int and so takes any 64-bit value, and
// gqlparser's variable coercion quotes a wrong value for one past 64 bits;
// these checks refuse both first, with graphql-js's messages.

// intMessage says why v is no Int, or "" when it is one.
func intMessage(raw string) string {
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
		if n < math.MinInt32 || n > math.MaxInt32 {
			return "Int cannot represent non 32-bit signed integer value: " + raw
		}
		return ""
	}
	f, ok := new(big.Float).SetString(raw)
	if !ok {
		return "Int cannot represent non-integer value: " + truncate(raw, 64)
	}
	if !f.IsInt() {
		return "Int cannot represent non-integer value: " + truncate(raw, 64)
	}
	return "Int cannot represent non 32-bit signed integer value: " + truncate(raw, 64)
}

// intVariables refuses the variables of op that are, or hold, an Int
// outside 32 bits, in the shape reshapeVariableErrors gives the others.
func intVariables(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) *gqlerror.Error {
	for _, def := range op.VariableDefinitions {
		v, ok := vars[def.Variable]
		if !ok {
			continue
		}
		if where, msg := intIn(schema, def.Type, v, "$"+def.Variable, 0); msg != "" {
			return &gqlerror.Error{Message: "Variable \"" + where + "\": " + msg,
				Extensions: map[string]any{"code": CodeBadUserInput}}
		}
	}
	return nil
}

// intIn finds an Int of typ in v (a JSON value, numbers as json.Number)
// that is no 32-bit integer, and says where and why. Values of the wrong
// shape are left to the coercion that follows.
func intIn(schema *ast.Schema, typ *ast.Type, v any, where string, depth int) (string, string) {
	if v == nil || typ == nil || depth > 64 {
		return "", ""
	}
	if typ.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			return intIn(schema, typ.Elem, v, where, depth+1)
		}
		for i, e := range list {
			if w, msg := intIn(schema, typ.Elem, e, where+"["+strconv.Itoa(i)+"]", depth+1); msg != "" {
				return w, msg
			}
		}
		return "", ""
	}
	if typ.NamedType == "Int" {
		if n, ok := v.(json.Number); ok {
			if msg := intMessage(n.String()); msg != "" {
				return where, msg
			}
		}
		return "", ""
	}
	def := schema.Types[typ.NamedType]
	obj, ok := v.(map[string]any)
	if def == nil || def.Kind != ast.InputObject || !ok {
		return "", ""
	}
	for _, f := range def.Fields {
		if fv, ok := obj[f.Name]; ok {
			if w, msg := intIn(schema, f.Type, fv, where+"."+f.Name, depth+1); msg != "" {
				return w, msg
			}
		}
	}
	return "", ""
}

// intLiterals refuses an operation with an Int literal (an argument, a
// list or input object field, a variable's default) outside 32 bits, as
// validation does for other literals of the wrong type.
type intLiterals struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = intLiterals{}

func (intLiterals) ExtensionName() string                   { return "IntLiterals" }
func (intLiterals) Validate(graphql.ExecutableSchema) error { return nil }
func (intLiterals) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Operation
	for _, def := range op.VariableDefinitions {
		if err := intLiteral(def.DefaultValue); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	return intLiteralsIn(op.SelectionSet, seen)
}

func intLiteralsIn(set ast.SelectionSet, seen map[string]bool) *gqlerror.Error {
	for _, sel := range set {
		var err *gqlerror.Error
		switch sel := sel.(type) {
		case *ast.Field:
			for _, arg := range sel.Arguments {
				if err = intLiteral(arg.Value); err != nil {
					return err
				}
			}
			err = intLiteralsIn(sel.SelectionSet, seen)
		case *ast.InlineFragment:
			err = intLiteralsIn(sel.SelectionSet, seen)
		case *ast.FragmentSpread:
			if sel.Definition != nil && !seen[sel.Name] {
				seen[sel.Name] = true
				err = intLiteralsIn(sel.Definition.SelectionSet, seen)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// intLiteral checks a literal whose expected type validation has set.
func intLiteral(v *ast.Value) *gqlerror.Error {
	if v == nil {
		return nil
	}
	if v.Kind == ast.IntValue && v.ExpectedType != nil && v.ExpectedType.NamedType == "Int" {
		if msg := intMessage(v.Raw); msg != "" {
			err := gqlerror.ErrorPosf(v.Position, "%s", msg)
			err.Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}
			return err
		}
	}
	for _, child := range v.Children {
		if err := intLiteral(child.Value); err != nil {
			return err
		}
	}
	return nil
}
