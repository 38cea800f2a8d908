package retry

import (
	"errors"
	"fmt"
)

// ErrInvalidOption is wrapped by every error that a bad option or a bad
// `retry:"..."` struct tag causes. The wrapping error's message names the
// option and the value, as in "retry: Tries(0): tries cannot be 0".
var ErrInvalidOption = errors.New("retry: invalid option")

// ErrNotFunc is wrapped by the error (or the panic value) that results from
// decorating something that is not a usable function: nil, a nil func value,
// or a value of another kind. The message names the type that was given.
var ErrNotFunc = errors.New("retry: not a function")

// optionError reports one invalid option, or two options that cannot be
// combined. It matches ErrInvalidOption with errors.Is.
type optionError struct {
	option string // the option as written, e.g. "Tries(0)"
	reason string
}

func (e *optionError) Error() string { return "retry: " + e.option + ": " + e.reason }

// Is reports whether target is ErrInvalidOption.
func (e *optionError) Is(target error) bool { return target == ErrInvalidOption }

func invalidOption(option, format string, args ...any) error {
	return &optionError{option: option, reason: fmt.Sprintf(format, args...)}
}
