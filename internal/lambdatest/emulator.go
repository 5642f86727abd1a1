// Package lambdatest runs a Lambda function written in Go as Lambda does, on
// 127.0.0.1: [BuildFunction] builds it as a bootstrap executable,
// [BuildEmulator] builds the Lambda Runtime Interface Emulator pinned in
// tools/go.mod, [Start] runs the emulator with the function, and
// [Emulator.Invoke] invokes it over the emulator's HTTP API.
//
// The emulator is the classic one (no AWS_LAMBDA_MAX_CONCURRENCY): it starts
// the function on the first invocation and runs one invocation at a time.
// The function inherits the emulator's standard output as both its standard
// output and its standard error, so its lines arrive unchanged, between the
// emulator's "START RequestId: ..." and "END RequestId: ..." /
// "REPORT RequestId: ..." lines. The emulator's own log lines (plain text,
// "... [INFO] (rapid) ...") go to its standard error. Start merges both
// streams, in order, into [Emulator.Output].
//
// The package is for this module's tests and demo; it needs Linux (process
// groups, /proc).
package lambdatest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Config says what [Start] runs and how.
type Config struct {
	// Bootstrap is the function's executable, as built by [BuildFunction].
	Bootstrap string
	// Emulator is the aws-lambda-rie executable, as built by [BuildEmulator].
	Emulator string
	// Env is added to the function's environment, after the variables Start
	// sets itself (so it may override them). The parent's environment is not
	// passed on, apart from PATH, HOME and TMPDIR: no AWS credentials leak
	// into the function.
	Env map[string]string
	// FunctionName is AWS_LAMBDA_FUNCTION_NAME; default "function".
	FunctionName string
	// TimeoutSeconds is AWS_LAMBDA_FUNCTION_TIMEOUT; default 30.
	TimeoutSeconds int
	// MemoryMB is AWS_LAMBDA_FUNCTION_MEMORY_SIZE; default 128.
	MemoryMB int
	// Region is AWS_REGION; default "us-east-1" (the emulator puts
	// us-east-1 in the invoked function ARN whatever this says).
	Region string
}

// Emulator is a running Runtime Interface Emulator with a function in it.
// Its methods are safe for concurrent use; invocations are sent one at a
// time, because the classic emulator crashes on concurrent ones.
type Emulator struct {
	cmd    *exec.Cmd
	addr   string // host:port of the invoke API
	out    *lineBuffer
	client *http.Client

	exited   chan struct{} // closed when the emulator process has exited
	waitErr  error         // set before exited is closed
	readDone chan struct{} // closed when every writer of the output pipe is gone

	invokeMu sync.Mutex

	stopOnce sync.Once
	stopErr  error
}

const (
	readyTimeout   = 10 * time.Second       // for the emulator to accept connections
	reportTimeout  = 2 * time.Second        // for an invocation's REPORT line after its response
	emulatorGrace  = 2 * time.Second        // between SIGTERM and SIGKILL for the emulator
	functionGrace  = 500 * time.Millisecond // between SIGTERM and SIGKILL for the function, as in Lambda
	invokeEndpoint = "/2015-03-31/functions/function/invocations"
)

// Start runs the emulator cfg.Emulator with the function cfg.Bootstrap,
// listening on two free ports of 127.0.0.1 (invoke API and runtime API), and
// returns once the invoke API accepts connections. The emulator runs in its
// own process group; [Emulator.Stop] ends it and the function. If it exits
// before it is ready, the error carries its output. ctx bounds the wait, not
// the emulator's life.
func Start(ctx context.Context, cfg Config) (*Emulator, error) {
	if cfg.Bootstrap == "" || cfg.Emulator == "" {
		return nil, errors.New("lambdatest: Config.Bootstrap and Config.Emulator are required")
	}
	var err error
	for range 3 { // a free port can be taken between our probe and the emulator's bind
		var e *Emulator
		e, err = start(ctx, cfg)
		if err == nil {
			return e, nil
		}
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	return nil, err
}

func start(ctx context.Context, cfg Config) (*Emulator, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	runtimeAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))

	cmd := exec.Command(cfg.Emulator,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", runtimeAddr,
		cfg.Bootstrap)
	cmd.Env = environ(cfg)
	// Pdeathsig: if the test or demo dies without stopping the emulator (a
	// crash, a closed stdout), the kernel ends it, and the function, which
	// loses its runtime API, exits with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// One pipe for both streams keeps the function's lines and the
	// emulator's in the order they were written. An *os.File is handed to
	// the process as is, so Wait does not wait for the function (which
	// inherits it) to close it.
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("lambdatest: %w", err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return nil, fmt.Errorf("lambdatest: start %s: %w", cfg.Emulator, err)
	}
	pw.Close()

	e := &Emulator{
		cmd:      cmd,
		addr:     addr,
		out:      newLineBuffer(),
		exited:   make(chan struct{}),
		readDone: make(chan struct{}),
		client:   &http.Client{Transport: &http.Transport{}},
	}
	go func() {
		defer close(e.readDone)
		defer pr.Close()
		e.out.readFrom(pr)
	}()
	go func() {
		e.waitErr = cmd.Wait()
		close(e.exited)
	}()

	if err := e.waitReady(ctx); err != nil {
		_ = e.Stop()
		return nil, fmt.Errorf("%w\nemulator output:\n%s", err, strings.Join(e.Output(), "\n"))
	}
	return e, nil
}

// environ builds the emulator's environment (which it passes on to the
// function) from scratch.
func environ(cfg Config) []string {
	env := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        orDefault(cfg.FunctionName, "function"),
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(orDefaultInt(cfg.TimeoutSeconds, 30)),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(orDefaultInt(cfg.MemoryMB, 128)),
		"AWS_REGION":                      orDefault(cfg.Region, "us-east-1"),
	}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	for k, v := range cfg.Env {
		env[k] = v
	}
	list := make([]string, 0, len(env))
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	return list
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orDefaultInt(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// freePorts returns n distinct ports that were free on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("lambdatest: %w", err)
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (e *Emulator) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", e.addr)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-e.exited:
			<-e.readDoneOrTimeout(time.Second)
			return fmt.Errorf("lambdatest: emulator exited before accepting connections: %v", e.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("lambdatest: emulator not accepting connections on %s: %w", e.addr, ctx.Err())
		case <-tick.C:
		}
	}
}

func (e *Emulator) readDoneOrTimeout(d time.Duration) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		select {
		case <-e.readDone:
		case <-time.After(d):
		}
	}()
	return ch
}

// Addr returns the host:port of the emulator's invoke API on 127.0.0.1.
func (e *Emulator) Addr() string { return e.addr }

// PID returns the process id of the emulator, which is also the id of its
// process group.
func (e *Emulator) PID() int { return e.cmd.Process.Pid }

// Invoke sends payload to the function as one invocation and returns the
// HTTP status and body of the emulator's answer. A function error is an
// answer like any other: status 200 and a body
// {"errorMessage": ..., "errorType": ...}. err is for failures to reach the
// emulator.
//
// Invocations are sent one at a time. Invoke returns once the emulator has
// written the invocation's REPORT line (or after a short wait if it never
// does), so that [Emulator.Output] then holds everything the function wrote
// during the invocation.
func (e *Emulator) Invoke(ctx context.Context, payload []byte) (status int, body []byte, err error) {
	e.invokeMu.Lock()
	defer e.invokeMu.Unlock()

	id := newRequestID()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+e.addr+invokeEndpoint, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, fmt.Errorf("lambdatest: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amzn-RequestId", id) // the emulator uses it as the request id
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("lambdatest: invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, body, fmt.Errorf("lambdatest: invoke: reading the response: %w", err)
	}
	e.out.waitFor("REPORT RequestId: "+id, reportTimeout)
	return resp.StatusCode, body, nil
}

// newRequestID returns a random version 4 UUID.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Output returns every line the emulator and the function have written so
// far, in order, without line endings. The function's lines are passed
// through unchanged.
func (e *Emulator) Output() []string { return e.out.lines() }

// FunctionLogs returns the lines of [Emulator.Output] that are JSON objects,
// decoded: the function's structured log lines (the emulator's own lines
// are plain text). See [JSONLines].
func (e *Emulator) FunctionLogs() []map[string]any { return JSONLines(e.Output()) }

// JSONLines returns the lines that are JSON objects, decoded, in order, and
// drops the others. To get the logs of one invocation, slice
// [Emulator.Output] at its length before the invocation.
func JSONLines(lines []string) []map[string]any {
	var objs []map[string]any
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			objs = append(objs, m)
		}
	}
	return objs
}

// Stop ends the emulator and the function it runs: SIGTERM to both process
// groups (the emulator starts the function in a group of its own), SIGKILL
// to the function after 500 ms (as Lambda does) and to the emulator after
// 2 s. It waits for the emulator to exit and returns an error only if a
// process could not be ended. Stop is idempotent.
func (e *Emulator) Stop() error {
	e.stopOnce.Do(func() { e.stopErr = e.stop() })
	return e.stopErr
}

func (e *Emulator) stop() error {
	e.client.CloseIdleConnections()
	pid := e.cmd.Process.Pid
	// The function's parent is the emulator: find it while it still is.
	children := childrenOf(pid)
	signalGroups(children, syscall.SIGTERM)
	_ = syscall.Kill(-pid, syscall.SIGTERM)

	var errs []error
	if !waitGone(children, functionGrace) {
		signalGroups(children, syscall.SIGKILL)
		if !waitGone(children, time.Second) {
			errs = append(errs, fmt.Errorf("lambdatest: function processes %v still running after SIGKILL", children))
		}
	}
	select {
	case <-e.exited:
	case <-time.After(emulatorGrace):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		select {
		case <-e.exited:
		case <-time.After(time.Second):
			errs = append(errs, fmt.Errorf("lambdatest: emulator (pid %d) still running after SIGKILL", pid))
		}
	}
	// Kill whatever is left in the emulator's group (it exits without
	// waiting for its children).
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-e.readDoneOrTimeout(time.Second)
	return errors.Join(errs...)
}

// childrenOf returns the ids of the processes whose parent is pid.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, ent := range entries {
		child, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		if ppid, _ := procStat(child); ppid == pid {
			kids = append(kids, child)
		}
	}
	return kids
}

// procStat returns the parent id and the state of process pid, from
// /proc/PID/stat; ppid is 0 if the process is gone.
func procStat(pid int) (ppid int, state byte) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0
	}
	// pid (comm) state ppid ...; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, 0
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[0][0]
}

// signalGroups sends sig to each process and to the process group it leads.
func signalGroups(pids []int, sig syscall.Signal) {
	for _, p := range pids {
		_ = syscall.Kill(-p, sig)
		_ = syscall.Kill(p, sig)
	}
}

// waitGone waits up to d for every process of pids to have exited (a zombie
// has exited) and reports whether they have.
func waitGone(pids []int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		alive := false
		for _, p := range pids {
			if ppid, state := procStat(p); ppid != 0 && state != 'Z' && state != 'X' {
				alive = true
			}
		}
		if !alive {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// New builds the Runtime Interface Emulator ([BuildEmulator], cached) and
// the function pkg ([BuildFunction], into t.TempDir()), starts the emulator
// with it ([Start]) and stops it when the test ends. It fails the test if
// any step fails. cfg.Bootstrap and cfg.Emulator are filled in.
func New(t testing.TB, pkg string, cfg Config) *Emulator {
	t.Helper()
	rie, err := BuildEmulator("")
	if err != nil {
		t.Fatal(err)
	}
	bootstrap, err := BuildFunction(t.TempDir(), pkg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Emulator, cfg.Bootstrap = rie, bootstrap
	e, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Stop(); err != nil {
			t.Error(err)
		}
	})
	return e
}

// lineBuffer collects the lines of a stream; it is safe for concurrent use.
type lineBuffer struct {
	mu    sync.Mutex
	cond  *sync.Cond
	all   []string
	ended bool
}

func newLineBuffer() *lineBuffer {
	b := &lineBuffer{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// readFrom reads r to its end, line by line.
func (b *lineBuffer) readFrom(r io.Reader) {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for s.Scan() {
		b.mu.Lock()
		b.all = append(b.all, s.Text())
		b.mu.Unlock()
		b.cond.Broadcast()
	}
	// Keep draining after a line too long for the scanner, so that writers
	// never block on a full pipe.
	_, _ = io.Copy(io.Discard, r)
	b.mu.Lock()
	b.ended = true
	b.mu.Unlock()
	b.cond.Broadcast()
}

func (b *lineBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.all...)
}

// waitFor waits up to d for a line that starts with prefix.
func (b *lineBuffer) waitFor(prefix string, d time.Duration) bool {
	expired := false
	timer := time.AfterFunc(d, func() {
		b.mu.Lock()
		expired = true
		b.mu.Unlock()
		b.cond.Broadcast()
	})
	defer timer.Stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for seen := 0; ; {
		for ; seen < len(b.all); seen++ {
			if strings.HasPrefix(b.all[seen], prefix) {
				return true
			}
		}
		if b.ended || expired {
			return false
		}
		b.cond.Wait()
	}
}
