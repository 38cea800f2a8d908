package retry

// Must returns v, or panics with err when err is not nil. It serves
// package-level variables built at init, like regexp.MustCompile:
//
//	var fetch = retry.Wrap(retry.Must(retry.New(retry.Tries(3))), fetchOnce)
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
