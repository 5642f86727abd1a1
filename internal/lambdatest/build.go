package lambdatest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// modulePath is the module whose root [ModuleRoot] finds.
const modulePath = "github.com/lambda-compliance/compliance"

// emulatorPkg is the package of the Runtime Interface Emulator, pinned by a
// tool directive in tools/go.mod.
const emulatorPkg = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// goEnv is what `go env` says, read once.
var goEnv = sync.OnceValues(func() (map[string]string, error) {
	names := []string{"GOMOD", "GOVERSION", "GOHOSTOS", "GOHOSTARCH"}
	out, err := exec.Command("go", append([]string{"env"}, names...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("lambdatest: go env: %w%s", err, stderrOf(err))
	}
	vals := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(vals) != len(names) {
		return nil, fmt.Errorf("lambdatest: go env: want %d lines, got %q", len(names), out)
	}
	env := make(map[string]string, len(names))
	for i, n := range names {
		env[n] = vals[i]
	}
	return env, nil
})

// ModuleRoot returns the root directory of the module
// github.com/lambda-compliance/compliance: the directory of the go.mod that
// `go env GOMOD` reports for the working directory, or of the nearest one
// above it that declares that module (so that it also works from tools/ or
// another nested module).
func ModuleRoot() (string, error) {
	env, err := goEnv()
	if err != nil {
		return "", err
	}
	gomod := env["GOMOD"]
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("lambdatest: not inside a Go module (go env GOMOD is empty); run from the repository")
	}
	for dir := filepath.Dir(gomod); ; {
		if declares(filepath.Join(dir, "go.mod"), modulePath) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("lambdatest: no go.mod declaring module %s at or above %s", modulePath, filepath.Dir(gomod))
		}
		dir = parent
	}
}

// declares reports whether the go.mod file at path declares module mod.
func declares(path, mod string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if f := strings.Fields(s.Text()); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`) == mod
		}
	}
	return false
}

// BuildFunction builds the package pkg of this module (an import path or a
// path relative to the module root, such as "./examples/apigw") as Lambda
// runs a Go function on the provided.al2023 runtime:
//
//	CGO_ENABLED=0 GOOS=linux go build -tags lambda.norpc -trimpath -o DIR/bootstrap PKG
//
// run from the module root, for the host's architecture. It returns the path
// of the executable, dir/bootstrap.
func BuildFunction(dir, pkg string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	out, err := filepath.Abs(filepath.Join(dir, "bootstrap"))
	if err != nil {
		return "", fmt.Errorf("lambdatest: %w", err)
	}
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("lambdatest: go build %s: %w\n%s", pkg, err, b)
	}
	return out, nil
}

// DefaultCacheDir is where [BuildEmulator] keeps the emulator when given no
// directory: compliance-lambdatest in the user's cache directory
// (os.UserCacheDir), else in the temporary directory.
func DefaultCacheDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "compliance-lambdatest")
}

// BuildEmulator returns the path of the Lambda Runtime Interface Emulator
// (aws-lambda-rie) at the version pinned in tools/go.mod, building it with
//
//	go -C ROOT/tools build -o ... github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie
//
// the first time. The binary is cached under cacheDir ([DefaultCacheDir] if
// empty), in a directory named after the emulator's version and a digest of
// tools/go.mod, tools/go.sum and the Go toolchain, so later calls (from
// other test runs and other processes) find it without building. Concurrent
// callers build it once.
func BuildEmulator(cacheDir string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	env, err := goEnv()
	if err != nil {
		return "", err
	}
	tools := filepath.Join(root, "tools")
	gomod, err := os.ReadFile(filepath.Join(tools, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("lambdatest: %w", err)
	}
	gosum, err := os.ReadFile(filepath.Join(tools, "go.sum"))
	if err != nil {
		return "", fmt.Errorf("lambdatest: %w", err)
	}
	version := requiredVersion(gomod, "github.com/aws/aws-lambda-runtime-interface-emulator")
	if version == "" {
		return "", errors.New("lambdatest: tools/go.mod does not require github.com/aws/aws-lambda-runtime-interface-emulator")
	}
	h := sha256.New()
	for _, b := range [][]byte{gomod, gosum, []byte(env["GOVERSION"] + " " + env["GOHOSTOS"] + "/" + env["GOHOSTARCH"])} {
		h.Write(b)
		h.Write([]byte{0})
	}
	if cacheDir == "" {
		cacheDir = DefaultCacheDir()
	}
	dir := filepath.Join(cacheDir, version+"-"+hex.EncodeToString(h.Sum(nil))[:12])
	bin := filepath.Join(dir, "aws-lambda-rie")
	if isExecutable(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("lambdatest: %w", err)
	}
	// One build at a time across processes: go test runs packages in parallel.
	unlock, err := lockFile(filepath.Join(dir, "lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if isExecutable(bin) { // built by another process while we waited
		return bin, nil
	}
	tmp := bin + ".tmp"
	cmd := exec.Command("go", "-C", tools, "build", "-trimpath", "-o", tmp, emulatorPkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("lambdatest: building the emulator from %s: %w\n%s", filepath.Join(tools, "go.mod"), err, b)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("lambdatest: %w", err)
	}
	return bin, nil
}

// requiredVersion returns the version at which go.mod requires module mod.
func requiredVersion(gomod []byte, mod string) string {
	for line := range strings.SplitSeq(string(gomod), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && f[0] == mod {
			return f[1]
		}
	}
	return ""
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// lockFile takes an exclusive lock on path, creating it, and returns the
// function that releases it.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lambdatest: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lambdatest: lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// stderrOf returns the standard error an *exec.ExitError captured, if any.
func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return "\n" + string(bytes.TrimSpace(ee.Stderr))
	}
	return ""
}
