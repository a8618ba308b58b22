package model

import (
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// EntityKey is the id of an _entities representation as the gateway sent
// it, read later by Entities. gqlgen's generated federation code fails a
// whole batch on a key it cannot unmarshal, so the key's own scalar never
// fails: a representation with a missing or malformed id gets its own
// error, and the others of its batch still resolve.
type EntityKey struct{ raw any }

// Key returns the EntityKey of an id, for tests and the combined graph.
func Key(id int) EntityKey { return EntityKey{raw: id} }

// UnmarshalGQL keeps v, whatever it is.
func (k *EntityKey) UnmarshalGQL(v any) error {
	k.raw = v
	return nil
}

// MarshalGQL writes the key as an ID; keys are only read, so this is for
// completeness of the scalar.
func (k EntityKey) MarshalGQL(w io.Writer) {
	if id, err := k.ID(); err == nil {
		MarshalID(id).MarshalGQL(w)
		return
	}
	graphql.Null.MarshalGQL(w)
}

// ID reads the key as the ID scalar does.
// Errors: Invalid for anything that is not a positive integer.
func (k EntityKey) ID() (int, error) {
	if k.raw == nil {
		return 0, invalidID()
	}
	return UnmarshalID(k.raw)
}

// Entities resolves a batch of representations, given by their keys, with
// one read of their valid ids. read returns the rows it found (a row that
// is gone, or not the principal's, is simply missing) and id names a
// converted row's id. The answer is in the representations' order, null
// where a row is missing; a representation whose key is not an id gets its
// own error, at its index. Errors: those of read.
func Entities[R, T any](keys []EntityKey, read func([]int) ([]R, error), conv func(R) *T, id func(*T) int) ([]*T, error) {
	ids := make([]int, 0, len(keys))
	at := make([]int, len(keys)) // each key's id; 0 for a bad key
	var errs graphql.BatchErrorList
	for i, k := range keys {
		n, err := k.ID()
		if err != nil {
			if errs == nil {
				errs = make(graphql.BatchErrorList, len(keys))
			}
			errs[i] = err
			continue
		}
		at[i] = n
		ids = append(ids, n)
	}
	var rows []R
	if len(ids) > 0 {
		var err error
		if rows, err = read(ids); err != nil {
			return nil, err
		}
	}
	byID := make(map[int]*T, len(rows))
	for _, row := range rows {
		t := conv(row)
		byID[id(t)] = t
	}
	out := make([]*T, len(keys))
	for i, n := range at {
		if n > 0 {
			out[i] = byID[n]
		}
	}
	if errs != nil {
		return out, errs
	}
	return out, nil
}
