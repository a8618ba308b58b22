package services

// Page is one page of a list ordered by id: Items and whether more follow.
type Page[T any] struct {
	Items   []T
	HasMore bool
}

// Limits of list pages.
const (
	DefaultLimit = 10
	MaxLimit     = 100
)

// ClampLimit applies the contract's limit rules: below 1 means the default,
// above MaxLimit means MaxLimit.
func ClampLimit(n int) int {
	switch {
	case n < 1:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// PageOf turns rows fetched with Limit(limit+1) into a page of limit items,
// converting each with f.
func PageOf[E, T any](rows []E, limit int, f func(E) T) Page[T] {
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	return Page[T]{Items: Map(rows, f), HasMore: more}
}

// Map converts every element of in with f.
func Map[E, T any](in []E, f func(E) T) []T {
	out := make([]T, len(in))
	for i, e := range in {
		out[i] = f(e)
	}
	return out
}
