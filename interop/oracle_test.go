package interop

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// jsRequest is one line of oracle.js's input.
type jsRequest struct {
	ID          int               `json:"id"`
	Op          string            `json:"op"` // "encrypt" or "decrypt"
	Key         []byte            `json:"key"`
	Namespace   string            `json:"namespace"`
	Name        string            `json:"name"`
	Suite       uint16            `json:"suite,omitempty"`
	FrameLength int               `json:"frameLength,omitempty"`
	Context     map[string]string `json:"context,omitempty"`
	Data        []byte            `json:"data"`
	UTF8Sorting bool              `json:"utf8Sorting,omitempty"`
}

// jsResponse is one line of oracle.js's output.
type jsResponse struct {
	ID      int               `json:"id"`
	OK      bool              `json:"ok"`
	Data    []byte            `json:"data"`
	Context map[string]string `json:"context"`
	Suite   uint16            `json:"suite"`
	Error   string            `json:"error"`
}

func (r jsResponse) err() error {
	if r.OK {
		return nil
	}
	return errors.New("esdk-js: " + r.Error)
}

// jsOracle is one node process running oracle.js: the AWS Encryption SDK for
// JavaScript, @aws-crypto/client-node as pinned in package.json.
type jsOracle struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	dec    *json.Decoder
	stderr bytes.Buffer
	nextID int
}

// startJS starts oracle.js. When node or node_modules is missing it returns
// nil and why, so that the test runs its other checks and skips at the end;
// under CI (CI set) it fails instead, so that the interop tests are never
// silently left out.
func startJS(t testing.TB) (*jsOracle, string) {
	t.Helper()
	why := ""
	node, err := exec.LookPath("node")
	if err != nil {
		why = "node not found on PATH"
	} else if _, err := os.Stat(filepath.Join("node_modules", "@aws-crypto", "client-node", "package.json")); err != nil {
		why = "@aws-crypto/client-node is not installed"
	}
	if why != "" {
		why += ": run `npm ci` in interop/ (Node.js 18 or later) for the ESDK for JavaScript oracle"
		if os.Getenv("CI") != "" {
			t.Fatal(why)
		}
		t.Log(why)
		return nil, why
	}
	o := &jsOracle{}
	o.cmd = exec.Command(node, "oracle.js")
	o.cmd.Stderr = &o.stderr
	if o.stdin, err = o.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := o.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := o.cmd.Start(); err != nil {
		t.Fatalf("starting node oracle.js: %v", err)
	}
	o.dec = json.NewDecoder(bufio.NewReaderSize(stdout, 1<<20))
	t.Cleanup(func() {
		o.stdin.Close()
		if err := o.cmd.Wait(); err != nil {
			t.Errorf("node oracle.js: %v\n%s", err, o.stderr.String())
		}
	})
	return o, ""
}

// do sends every request to the oracle and returns the responses, in order:
// one round trip for the whole batch.
func (o *jsOracle) do(t testing.TB, reqs []jsRequest) []jsResponse {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	base := o.nextID
	o.nextID += len(reqs)
	werr := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(o.stdin, 1<<20)
		enc := json.NewEncoder(w) // one value per line
		for i, r := range reqs {
			r.ID = base + i
			if err := enc.Encode(r); err != nil {
				werr <- err
				return
			}
		}
		werr <- w.Flush()
	}()
	out := make([]jsResponse, len(reqs))
	for i := range out {
		if err := o.dec.Decode(&out[i]); err != nil {
			t.Fatalf("reading oracle.js response %d of %d: %v\n%s", i+1, len(reqs), err, o.stderr.String())
		}
		if out[i].ID != base+i {
			t.Fatalf("oracle.js answered request %d, want %d", out[i].ID, base+i)
		}
	}
	if err := <-werr; err != nil {
		t.Fatalf("writing to oracle.js: %v", err)
	}
	return out
}
