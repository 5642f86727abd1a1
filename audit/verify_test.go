package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// TestTamper tampers with a written chain of 10 API records (sequence
// numbers 0 to 11 with the genesis and close records; line i holds
// sequence i).
func TestTamper(t *testing.T) {
	lines, c := writeChain(t, 10, testConfig(), true)
	other, _ := writeChain(t, 3, testConfig(), true)
	intruder := newKey(t)
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = fmt.Sprintf("req-%04d", i+1)
	}
	without := func(ls [][]byte, drop ...int) [][]byte {
		var out [][]byte
		for i, l := range ls {
			if !slices.Contains(drop, i) {
				out = append(out, l)
			}
		}
		return out
	}
	insert := func(ls [][]byte, at int, l []byte) [][]byte {
		return slices.Insert(slices.Clone(ls), at, l)
	}
	setDuration := func(m map[string]any) { m["duration"] = 1 }

	tests := []struct {
		name       string
		tamper     func([][]byte) [][]byte
		requestIDs []string
		status     Status
		problems   map[Status]int // besides the uncertified one
		missing    []int64
		missingIDs []string
		chains     int
	}{
		{name: "untouched", tamper: func(ls [][]byte) [][]byte { return ls }, status: StatusUncertified},
		{name: "untouched with request ids", tamper: func(ls [][]byte) [][]byte { return ls }, requestIDs: ids, status: StatusUncertified},
		{name: "identical copy of a line", tamper: func(ls [][]byte) [][]byte { return insert(ls, 5, ls[4]) }, status: StatusUncertified},
		{
			name: "modified field",
			tamper: func(ls [][]byte) [][]byte {
				ls[3] = bytes.Replace(ls[3], []byte(`"src_endpoint":{"ip":"203.0.113.7"`), []byte(`"src_endpoint":{"ip":"198.51.100.1"`), 1)
				return ls
			},
			status: StatusModified, problems: map[Status]int{StatusModified: 1},
		},
		{
			name: "modified sequence number",
			tamper: func(ls [][]byte) [][]byte {
				ls[3] = bytes.Replace(ls[3], []byte(`"uid":"3"}`), []byte(`"uid":"33"}`), 1)
				return ls
			},
			status: StatusDeleted, problems: map[Status]int{StatusModified: 1, StatusDeleted: 1}, missing: []int64{3},
		},
		{
			name: "modified signature",
			tamper: func(ls [][]byte) [][]byte {
				ls[6] = reseal(t, ls[6], intruder, nil, func(map[string]any) {})
				return ls
			},
			status: StatusForged, problems: map[Status]int{StatusForged: 1},
		},
		{
			name:   "deleted record",
			tamper: func(ls [][]byte) [][]byte { return without(ls, 4) },
			status: StatusDeleted, problems: map[Status]int{StatusDeleted: 1}, missing: []int64{4},
		},
		{
			name:       "deleted records",
			tamper:     func(ls [][]byte) [][]byte { return without(ls, 4, 5, 7) },
			requestIDs: ids,
			status:     StatusMissing, problems: map[Status]int{StatusDeleted: 2}, missing: []int64{4, 5, 7},
			missingIDs: []string{"req-0004", "req-0005", "req-0007"},
		},
		{
			name:   "deleted genesis",
			tamper: func(ls [][]byte) [][]byte { return without(ls, 0) },
			status: StatusDeleted, problems: map[Status]int{StatusDeleted: 2, StatusUncertified: -1}, missing: []int64{0},
		},
		{
			name:   "swapped records",
			tamper: func(ls [][]byte) [][]byte { ls[5], ls[6] = ls[6], ls[5]; return ls },
			status: StatusReordered, problems: map[Status]int{StatusReordered: 1},
		},
		{
			name:   "record moved to the end",
			tamper: func(ls [][]byte) [][]byte { l := ls[2]; return append(without(ls, 2), l) },
			status: StatusReordered, problems: map[Status]int{StatusReordered: 1},
		},
		{
			name: "inserted forgery",
			tamper: func(ls [][]byte) [][]byte {
				return insert(ls, 6, reseal(t, ls[5], intruder, nil, setDuration))
			},
			status: StatusForged, problems: map[Status]int{StatusForged: 1},
		},
		{
			name: "replaced by a forgery",
			tamper: func(ls [][]byte) [][]byte {
				ls[5] = reseal(t, ls[5], intruder, nil, setDuration)
				return ls
			},
			status: StatusForged, problems: map[Status]int{StatusForged: 1},
		},
		{
			name: "fork: second record signed with the chain key",
			tamper: func(ls [][]byte) [][]byte {
				return insert(ls, 6, reseal(t, ls[5], c.priv, nil, setDuration))
			},
			status: StatusFork, problems: map[Status]int{StatusFork: 1},
		},
		{
			name: "record rewritten with the chain key",
			tamper: func(ls [][]byte) [][]byte {
				ls[5] = reseal(t, ls[5], c.priv, nil, setDuration)
				return ls
			},
			status: StatusFork, problems: map[Status]int{StatusFork: 1}, // record 6 no longer links to it
		},
		{
			name: "spliced from another chain, relabelled",
			tamper: func(ls [][]byte) [][]byte {
				return insert(ls, 6, reseal(t, other[2], intruder, nil, func(m map[string]any) {
					att := m["attestation"].(map[string]any)
					att["chain_uid"], att["uid"] = c.ChainUID(), "5"
				}))
			},
			status: StatusForged, problems: map[Status]int{StatusForged: 1},
		},
		{
			name:   "spliced from another chain as is",
			tamper: func(ls [][]byte) [][]byte { return insert(ls, 6, other[2]) },
			status: StatusUncertified, chains: 2, // the other chain is reported on its own
		},
		{
			name:       "truncated tail",
			tamper:     func(ls [][]byte) [][]byte { return ls[:len(ls)-3] },
			requestIDs: ids,
			status:     StatusMissing, problems: map[Status]int{StatusUnterminated: 1},
			missingIDs: []string{"req-0009", "req-0010"},
		},
		{
			name:   "truncated tail without request ids",
			tamper: func(ls [][]byte) [][]byte { return ls[:len(ls)-1] },
			status: StatusUnterminated, problems: map[Status]int{StatusUnterminated: 1},
		},
		{
			name: "genesis key replaced",
			tamper: func(ls [][]byte) [][]byte {
				ls[0] = bytes.Replace(ls[0], []byte(`"public_key":"`), []byte(`"public_key":"AAAA`), 1)
				return ls
			},
			status: StatusDeleted, problems: map[Status]int{StatusModified: 1, StatusDeleted: 1, StatusUncertified: -1}, missing: []int64{},
		},
		{
			name: "whole chain re-signed by an intruder",
			tamper: func(ls [][]byte) [][]byte {
				var out [][]byte
				for _, l := range ls {
					out = append(out, reseal(t, l, intruder, nil, func(map[string]any) {}))
				}
				return out
			},
			status: StatusForged, problems: map[Status]int{StatusForged: 12, StatusUnterminated: 1},
		},
		{
			name: "duplicate key",
			tamper: func(ls [][]byte) [][]byte {
				ls[2] = bytes.Replace(ls[2], []byte(`{"activity_id":2,`), []byte(`{"activity_id":2,"activity_id":4,`), 1)
				return ls
			},
			status: StatusModified, problems: map[Status]int{StatusModified: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := verifyLines(t, tt.tamper(cloneLines(lines)), VerifyOptions{RequestIDs: tt.requestIDs})
			wantChains := max(tt.chains, 1)
			if len(rep.Chains) != wantChains {
				t.Fatalf("got %d chains, want %d: %+v", len(rep.Chains), wantChains, rep)
			}
			cr := rep.Chains[0]
			if cr.ChainUID != c.ChainUID() {
				t.Fatalf("first chain %s", cr.ChainUID)
			}
			status := cr.Status
			if len(rep.MissingRequestIDs) > 0 {
				status = StatusMissing
			}
			if status != tt.status {
				t.Errorf("status %s, want %s; problems %+v", status, tt.status, cr.Problems)
			}
			want := map[Status]int{StatusUncertified: 1}
			for k, n := range tt.problems {
				want[k] += n
				if want[k] == 0 {
					delete(want, k)
				}
			}
			if got := kinds(cr.Problems); !mapsEqual(got, want) {
				t.Errorf("problems %v, want %v: %+v", got, want, cr.Problems)
			}
			if tt.missing != nil && !slices.Equal(cr.Missing, tt.missing) && !(len(tt.missing) == 0 && cr.Missing == nil) {
				t.Errorf("missing %v, want %v", cr.Missing, tt.missing)
			}
			if !slices.Equal(rep.MissingRequestIDs, tt.missingIDs) {
				t.Errorf("missing request ids %v, want %v", rep.MissingRequestIDs, tt.missingIDs)
			}
			for _, p := range cr.Problems {
				if p.Kind != StatusUnterminated && p.Kind != StatusDeleted && p.Kind != StatusUncertified && p.Line == 0 {
					t.Errorf("problem without a line: %+v", p)
				}
			}
			if tt.status == StatusUncertified && wantChains == 1 && (!rep.Intact() || rep.OK()) {
				t.Errorf("Intact() = %v, OK() = %v", rep.Intact(), rep.OK())
			}
			if tt.status != StatusUncertified && tt.status != StatusUnterminated && rep.Intact() {
				t.Error("Intact() on a tampered chain")
			}
		})
	}
}

func mapsEqual(a, b map[Status]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestCloudWatchFormats verifies a chain as CloudWatch Logs exports and
// prints it, mixed with other log lines.
func TestCloudWatchFormats(t *testing.T) {
	lines, _ := writeChain(t, 6, testConfig(), true)
	wraps := map[string]func(i int, l []byte) []byte{
		"plain": func(_ int, l []byte) []byte { return l },
		"filter-log-events JSON": func(i int, l []byte) []byte {
			b, _ := json.Marshal(map[string]any{"logStreamName": "s", "timestamp": 1795860000000 + i, "message": string(l) + "\n", "ingestionTime": 1, "eventId": fmt.Sprint(i)})
			return b
		},
		"aws logs tail": func(_ int, l []byte) []byte {
			return append([]byte("2026-11-28T10:00:00.000000+00:00 2026/11/28/[$LATEST]abc "), l...)
		},
		"timestamp prefix": func(_ int, l []byte) []byte { return append([]byte("2026-11-28T10:00:00.000Z "), l...) },
		"lambda text": func(_ int, l []byte) []byte {
			return append([]byte("2026-11-28T10:00:00.000Z\tc0ffee00-1111-2222-3333-444455556666\tINFO\t"), l...)
		},
		"message holding a lambda text line": func(_ int, l []byte) []byte {
			b, _ := json.Marshal(map[string]any{"message": "2026-11-28T10:00:00.000Z\treq\tINFO\t" + string(l)})
			return b
		},
		"CRLF": func(_ int, l []byte) []byte { return append(bytes.Clone(l), '\r') },
	}
	noise := [][]byte{
		[]byte("START RequestId: req-0001 Version: $LATEST"),
		[]byte("REPORT RequestId: req-0001\tDuration: 1.5 ms\tBilled Duration: 2 ms"),
		[]byte(`{"level":"info","msg":"hello {world}"}`),
		[]byte(`{"message":"not a record"}`),
		[]byte(`{"attestation":`),
		[]byte(""),
	}
	for name, wrap := range wraps {
		var in [][]byte
		for i, l := range lines {
			in = append(in, wrap(i, l), noise[i%len(noise)])
		}
		rep := verifyLines(t, in, VerifyOptions{})
		if len(rep.Chains) != 1 || rep.Chains[0].Status != StatusUncertified || rep.Records != len(lines) || rep.Ignored != len(lines) {
			t.Errorf("%s: %d records, %d ignored, %+v", name, rep.Records, rep.Ignored, rep.Chains)
		}
	}
}

func TestVerifyInput(t *testing.T) {
	ctx := context.Background()
	rep, err := Verify(ctx, strings.NewReader(""), VerifyOptions{})
	if err != nil || len(rep.Chains) != 0 || !rep.OK() {
		t.Errorf("empty input: %+v %v", rep, err)
	}
	rep, err = Verify(ctx, strings.NewReader("x"+strings.Repeat("{", maxLine+10)+"\nlast"), VerifyOptions{})
	if err != nil || rep.Ignored != 2 {
		t.Errorf("long line: %+v %v", rep, err)
	}
	lines, _ := writeChain(t, 2, testConfig(), true)
	_, err = Verify(ctx, iotest.TimeoutReader(bytes.NewReader(join(lines))), VerifyOptions{})
	var ve *VerifyError
	if !errors.As(err, &ve) || !errors.Is(err, iotest.ErrTimeout) || !strings.HasPrefix(err.Error(), "audit: ") {
		t.Errorf("reader error: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Verify(cctx, bytes.NewReader(join(lines)), VerifyOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// Without a final newline.
	rep = verifyLines(t, lines, VerifyOptions{})
	in := bytes.TrimSuffix(join(lines), []byte("\n"))
	rep2, err := Verify(ctx, bytes.NewReader(in), VerifyOptions{Workers: 1})
	if err != nil || rep2.Chains[0].Status != rep.Chains[0].Status || rep2.Records != rep.Records {
		t.Errorf("no final newline: %+v %v", rep2, err)
	}
}

func TestDuplicateRequestIDs(t *testing.T) {
	var buf bytes.Buffer
	ctx := context.Background()
	c, _ := NewChain(ctx, &buf, testConfig())
	for _, i := range []int{1, 2, 2, 3} {
		if err := c.Record(ctx, testEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.Close(ctx)
	rep, err := Verify(ctx, &buf, VerifyOptions{RequestIDs: []string{"req-0001", "req-0002", "req-0003", "req-0004"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.DuplicateRequestIDs, []string{"req-0002"}) || !slices.Equal(rep.MissingRequestIDs, []string{"req-0004"}) {
		t.Errorf("duplicates %v, missing %v", rep.DuplicateRequestIDs, rep.MissingRequestIDs)
	}
}

func TestParsePublicKey(t *testing.T) {
	k := newKey(t)
	der, _ := marshalPKIX(&k.PublicKey)
	pemText := "-----BEGIN PUBLIC KEY-----\n" + b64Lines(der) + "-----END PUBLIC KEY-----\n"
	for _, in := range [][]byte{der, []byte(pemText)} {
		got, err := ParsePublicKey(in)
		if err != nil || !got.Equal(&k.PublicKey) {
			t.Errorf("ParsePublicKey: %v", err)
		}
	}
	var ke *KeyError
	if _, err := ParsePublicKey([]byte("nope")); !errors.As(err, &ke) {
		t.Errorf("garbage: %v", err)
	}
}

func FuzzVerify(f *testing.F) {
	// Small seeds keep each run (and the minimisation of new inputs)
	// fast: HMAC chains verify without ECDSA.
	cfg := testConfig()
	cfg.HMACKey = []byte("k")
	hl, _ := writeChain(f, 1, cfg, true)
	f.Add(join(hl))
	f.Add(join(hl[:2]))
	lines, _ := writeChain(f, 1, testConfig(), false)
	f.Add(lines[1])
	f.Add([]byte(`{"message":"{\"attestation\":{\"chain_uid\":\"x\",\"uid\":\"0\"}}"}` + "\n"))
	f.Add([]byte(`{"attestation":{"chain_uid":"a","uid":"99999999999999"},"class_uid":1008,"activity_id":6,"unmapped":{"chain":{"algorithm":"HS256","hmac":true}}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		rep, err := Verify(context.Background(), bytes.NewReader(in), VerifyOptions{HMACKey: []byte("k"), RequestIDs: []string{"req-0001"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range rep.Chains {
			if rank(c.Status) < 0 {
				t.Fatalf("unknown status %q", c.Status)
			}
		}
	})
}
