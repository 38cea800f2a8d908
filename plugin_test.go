package retry_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"plugin"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaioretry/retry"
	"github.com/kaioretry/retry/internal/waits"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	pluginOnce sync.Once
	pluginLib  *plugin.Plugin
	pluginSkip string
	pluginErr  error
)

// openTestPlugin builds testdata/plugin with -buildmode=plugin and opens it,
// once per process (a plugin cannot be loaded twice). It skips the test
// where the platform or the toolchain cannot build plugins.
func openTestPlugin(t *testing.T) *plugin.Plugin {
	t.Helper()
	pluginOnce.Do(func() {
		switch runtime.GOOS {
		case "linux", "darwin", "freebsd":
		default:
			pluginSkip = "plugins are not supported on " + runtime.GOOS
			return
		}
		if testing.CoverMode() != "" {
			pluginSkip = "a plugin cannot be opened by a binary built with -cover"
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			pluginSkip = "no go command on PATH to build the plugin with"
			return
		}
		env, err := exec.Command(goTool, "env", "CGO_ENABLED", "CC").Output()
		if err != nil {
			pluginSkip = "cannot run the go command: " + err.Error()
			return
		}
		fields := strings.Fields(string(env))
		if len(fields) < 2 || fields[0] != "1" {
			pluginSkip = "plugins need cgo, and CGO_ENABLED is not 1"
			return
		}
		if _, err := exec.LookPath(fields[1]); err != nil {
			pluginSkip = "plugins need cgo, and the C compiler " + fields[1] + " is not installed"
			return
		}
		dir, err := os.MkdirTemp("", "retry-plugin-")
		if err != nil {
			pluginErr = err
			return
		}
		defer os.RemoveAll(dir) // the loaded plugin stays mapped
		so := filepath.Join(dir, "plugin.so")
		args := []string{"build", "-buildmode=plugin", "-o", so}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command(goTool, append(args, "./testdata/plugin")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			pluginErr = err
			t.Logf("go %s:\n%s", strings.Join(args, " "), out)
			return
		}
		pluginLib, pluginErr = plugin.Open(so)
	})
	if pluginSkip != "" {
		t.Skip(pluginSkip)
	}
	require.NoError(t, pluginErr, "building or opening the test plugin")
	return pluginLib
}

func TestPluginFunctionAndVariable(t *testing.T) {
	p := openTestPlugin(t)
	calls, err := p.Lookup("Calls")
	require.NoError(t, err)
	counts := calls.(func() (int, int))

	// A function symbol, found by name, decorated as whatever it is.
	sym, err := p.Lookup("Fetch")
	require.NoError(t, err)
	shape, err := retry.Inspect(sym)
	require.NoError(t, err)
	assert.Equal(t, "func(int) (string, error): synchronous loop", shape.String())
	rec := &waits.Recorder{}
	fetch := retry.Decorate(sym, retry.Tries(5), retry.Delay(time.Second), retry.WithSleep(rec.Sleep)).(func(int) (string, error))
	got, err := fetch(7)
	require.NoError(t, err)
	assert.Equal(t, "plugin item 7", got)
	fetches, _ := counts()
	assert.Equal(t, 3, fetches)
	assert.Equal(t, []time.Duration{time.Second, time.Second}, rec.Waits())

	// A func variable symbol is a pointer to the variable: DecorateFields
	// swaps it in place, so the plugin's own code calls the retrying version.
	v, err := p.Lookup("Handler")
	require.NoError(t, err)
	require.NoError(t, retry.DecorateFields(v, retry.Tries(5), retry.WithSleep(rec.Sleep)))
	serve, err := p.Lookup("Serve")
	require.NoError(t, err)
	n, err := serve.(func(string) (int, error))("  four ")
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	_, handled := counts()
	assert.Equal(t, 4, handled)
}
