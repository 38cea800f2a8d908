// Package main is a Go plugin that the tests build at run time and open
// with plugin.Open: a function and a func-typed variable, found by name and
// decorated dynamically, as a host does with plugin-style code.
package main

import (
	"errors"
	"fmt"
	"strings"
)

var fetches, handled int

// Fetch fails twice, then answers, each third call.
func Fetch(n int) (string, error) {
	fetches++
	if fetches%3 != 0 {
		return "", errors.New("plugin: backend not ready")
	}
	return fmt.Sprintf("plugin item %d", n), nil
}

// Handler is a func variable that the host may swap: Serve, the plugin's
// own code, calls whatever it holds.
var Handler = func(s string) (int, error) {
	handled++
	if handled < 4 {
		return 0, fmt.Errorf("plugin: handler busy (%d)", handled)
	}
	return len(strings.TrimSpace(s)), nil
}

// Serve is plugin code that calls Handler.
func Serve(s string) (int, error) { return Handler(s) }

// Calls reports how often Fetch and Handler ran.
func Calls() (int, int) { return fetches, handled }
