package server

import (
	"encoding/json"
	"math/big"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"

	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/services"
)

// GraphQL's Int is a signed 32-bit integer: the specification refuses a
// value outside it, as input (a literal or a variable) and as output.
// gqlgen reads Int into a Go int and so takes any 64-bit value, and
// gqlparser's variable coercion quotes a wrong value for one past 64 bits;
// intRange (literals, at validation) and intVariables (before coercion)
// refuse both first, with graphql-js's messages.

// intMessage says why v is no Int, or "" when it is one.
func intMessage(raw string) string {
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
		if n < services.MinContractInt || n > services.MaxContractInt {
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
				Extensions: map[string]any{"code": gqlcode.BadUserInput}}
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

// intRange is the validation rule that refuses an Int literal (an
// argument, a list element or input object field, a variable's default)
// outside 32 bits, as validation refuses a literal of another wrong type.
var intRange = core.Rule{Name: "IntRange", RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
	observers.OnValue(func(_ *core.Walker, v *ast.Value) {
		if v.Kind != ast.IntValue || v.ExpectedType == nil || v.ExpectedType.Name() != "Int" {
			return
		}
		if msg := intMessage(v.Raw); msg != "" {
			addError(core.Message("%s", msg), core.At(v.Position))
		}
	})
}}
