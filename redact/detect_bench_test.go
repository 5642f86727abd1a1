package redact

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// cleanLog is log text with no personal data or secrets in it, full of the
// things that look like them: ids, trace headers, sequence numbers, epoch
// millis, ARNs, versions, durations, pointers.
const cleanLog = `START RequestId: 7ed033ad-c601-402b-8edc-ddef5ce049f5 Version: $LATEST
{"level":"info","ts":1746055059075,"caller":"orders/handler.go:142","msg":"processed batch","requestId":"7ed033ad-c601-402b-8edc-ddef5ce049f5","batchSize":10,"duration":"86.750354ms","queue":"arn:aws:sqs:sa-east-1:311533458384:orders-queue","account":"311533458384"}
time=2025-05-16T21:13:35.123456789Z level=INFO msg="order shipped" order_id=440148504140508133 trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 attempt=1 backoff=1m2.5s
{"messageId":"794d88e9-36cf-4705-a2d9-bde36a084fda","md5OfBody":"f3639a11b7f30a06e24f596df77ffb87","attributes":{"SentTimestamp":"1746055059075","SequenceNumber":"18849496460467696128","ApproximateReceiveCount":"1"}}
X-Amzn-Trace-Id: Root=1-65f0b0a2-4f2c1d0e9b8a7c6d5e4f3a2b;Parent=53995c3f42cd8ad8;Sampled=1
traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
{"eventID":"c4ca4238a0b923820dcc509a6f75849b","eventName":"INSERT","dynamodb":{"SequenceNumber":"111100000000000000000123456789","SizeBytes":26,"ApproximateCreationDateTime":1746055059}}
{"kinesis":{"sequenceNumber":"49590338271490256608559692538361571095921575989136588898","partitionKey":"order-42"}}
user-agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36
goroutine 1 [running]:
main.handler(0xc00011a0f0, 0x1b)
	/var/task/main.go:311 +0x1d4
commit 3f786850e387550fdab836ed7e6dc881de23001b built at 2025-05-16T21:13:35+0000 go1.26.0
REPORT RequestId: 7ed033ad-c601-402b-8edc-ddef5ce049f5	Duration: 141.88 ms	Billed Duration: 142 ms	Memory Size: 128 MB	Max Memory Used: 64 MB
`

// BenchmarkClean runs the detectors over clean log text: it must allocate
// nothing. "all" is every default detector; "values" leaves out the
// key-value rules (findKeyed), to measure the value detectors alone.
func BenchmarkClean(b *testing.B) {
	for _, bc := range []struct {
		name string
		c    Config
	}{{"all", Config{}}, {"values", Config{Disable: []string{"secret"}}}} {
		b.Run(bc.name, func(b *testing.B) {
			r, err := New(bc.c)
			if err != nil {
				b.Fatal(err)
			}
			s := []byte(strings.Repeat(cleanLog, 4))
			var fs Findings
			b.SetBytes(int64(len(s)))
			b.ReportAllocs()
			for b.Loop() {
				if _, changed := r.redactText(nil, s, keyNone, &fs, 0); changed {
					b.Fatalf("clean text changed: %v", fs)
				}
			}
		})
	}
}

func TestCleanNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	r, err := New(Config{Enable: []string{"us", "uk", "ca"}})
	if err != nil {
		t.Fatal(err)
	}
	s := []byte(cleanLog)
	var fs Findings
	if n := testing.AllocsPerRun(50, func() { r.redactText(nil, s, keyNone, &fs, 0) }); n != 0 {
		t.Errorf("%v allocations per run on clean text, want 0", n)
	}
	if len(fs) != 0 {
		t.Errorf("findings on clean text: %v", fs)
	}
	if n := testing.AllocsPerRun(50, func() { r.Bytes(s) }); n != 0 {
		t.Errorf("Bytes: %v allocations per run on clean text, want 0", n)
	}
}

// BenchmarkCorpus runs the corpus through the whole engine ("engine":
// Redactor.Bytes, JSON walk included; "append": Redactor.Append into one
// buffer), through the walk with every detector
// off ("walk"; sensitive keys still apply), and through the value detectors
// alone, each text taken as free text ("values").
func BenchmarkCorpus(b *testing.B) {
	texts, n := corpusTexts(b)
	bytesOf := func(c Config) func(b *testing.B) {
		return func(b *testing.B) {
			r, err := New(c)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				for _, t := range texts {
					r.Bytes(t)
				}
			}
		}
	}
	b.Run("engine", bytesOf(Config{}))
	b.Run("append", func(b *testing.B) { // Append into one buffer: no output allocated
		r, err := New(Config{})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(n))
		b.ReportAllocs()
		var buf []byte
		var fs Findings
		for b.Loop() {
			for _, t := range texts {
				buf, fs = r.Append(buf[:0], fs[:0], t)
			}
		}
	})
	var all []string
	for t := Type(1); t < numBuiltinTypes; t++ {
		all = append(all, typeNames[t])
	}
	b.Run("walk", bytesOf(Config{Disable: all})) // what the JSON walk costs on its own
	b.Run("values", func(b *testing.B) {
		r, err := New(Config{Disable: []string{"secret"}})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(n))
		b.ReportAllocs()
		var dst []byte
		for b.Loop() {
			var fs Findings
			for _, t := range texts {
				dst, _ = r.redactText(dst[:0], t, keyNone, &fs, 0)
			}
		}
	})
}

// BenchmarkCorpusDetectors runs each detector alone over the corpus texts,
// the summary of each text computed afresh as the first detector does: it
// says where the time of "values" goes.
func BenchmarkCorpusDetectors(b *testing.B) {
	texts, n := corpusTexts(b)
	for _, d := range builtinDetectors {
		name := runtime.FuncForPC(reflect.ValueOf(d.find).Pointer()).Name()
		b.Run(name[strings.LastIndexByte(name, '.')+1:], func(b *testing.B) {
			b.SetBytes(int64(n))
			m := &matchSet{}
			for b.Loop() {
				for _, t := range texts {
					m.ms, m.sumDone = m.ms[:0], false
					d.find(t, m)
				}
			}
		})
	}
	b.Run("summarize", func(b *testing.B) {
		b.SetBytes(int64(n))
		for b.Loop() {
			for _, t := range texts {
				summarize(t)
			}
		}
	})
}

// corpusTexts returns the texts of the labelled corpus and their total
// size, or skips b when the corpus is not there.
func corpusTexts(b *testing.B) (texts [][]byte, n int) {
	for _, r := range loadCorpus(b) {
		texts = append(texts, []byte(r.Text))
		n += len(r.Text)
	}
	return texts, n
}

// detectCase is one text for a detector and what it must find there.
type detectCase struct {
	in   string
	want []string // the values found, in order; nil: nothing
	key  keyClass
}

// runDetect runs find over each case's text and compares the matches of
// type t, settled as the engine settles them (repeats included), with the
// wanted values.
func runDetect(t *testing.T, find func([]byte, *matchSet), typ Type, cases []detectCase) {
	t.Helper()
	for _, c := range cases {
		m := &matchSet{key: c.key}
		s := []byte(c.in)
		find(s, m)
		if len(m.ms) > 0 {
			checkGate(t, typ, s, c.key)
		}
		var got []string
		for _, mt := range resolve(withRepeats(s, m.ms)) {
			if mt.typ == typ {
				got = append(got, c.in[mt.start:mt.end])
			}
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s in %q: got %q, want %q", typ, c.in, got, c.want)
		}
	}
}

// TestRedactorHardNegatives runs the whole default Redactor over the clean
// log: nothing in it may change.
func TestRedactorHardNegatives(t *testing.T) {
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(cleanLog, "\n") {
		if out, fs := r.String(line); out != line {
			t.Errorf("changed %q\n   into %q (%v)", line, out, fs)
		}
	}
}

// TestRedactorValues runs the whole default Redactor over lines with one
// value each: the value goes, its surroundings stay.
func TestRedactorValues(t *testing.T) {
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, want string }{
		{"mail sent to jane.doe@example.com ok", "mail sent to [REDACTED:email] ok"},
		{`log {\"msg\": \"x\", \"to\": \"bob@web.de\"}`, `log {\"msg\": \"x\", \"to\": \"[REDACTED:email]\"}`},
		{"charging card 4111 1111 1111 1111 now", "charging card [REDACTED:credit_card] now"},
		{"dial tcp 172.20.44.214:5432: refused", "dial tcp [REDACTED:ip_address]:5432: refused"},
		{"retrying with Bearer abcdef0123456789", "retrying with Bearer [REDACTED:authorization]"},
		{"dsn=postgres://app:pw@db:5432/x", "dsn=postgres://[REDACTED:authorization]@db:5432/x"},
		{"key AKIAS224VDKGYFNKFJQD but not AKIAIOSFODNN7EXAMPLE", "key [REDACTED:aws_access_key_id] but not AKIAIOSFODNN7EXAMPLE"},
		{"sms to +14155552671 at 1746055059075", "sms to [REDACTED:phone] at 1746055059075"},
	} {
		if got, _ := r.String(c.in); got != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// FuzzDetectors checks that no value detector panics or reports a match
// outside its text, whatever the text and key.
func FuzzDetectors(f *testing.F) {
	for _, line := range strings.Split(cleanLog, "\n") {
		f.Add(line, uint8(0))
	}
	for _, s := range []string{
		"a@b.com %40 \\u0040", "4111 1111 1111 1111", "123-45-6789", "+1 (415) 555-2671", "10.0.0.1 ::1 a:b:c::d",
		"GB82 WEST 1234 5698 7654 32", "AKIAS224VDKGYFNKFJQD", "secretAccessKey=", "eyJ.eyJ.", "Bearer ", "://a:b@",
		"X-Amz-Signature=", "ghp_", "xoxb-", "-----BEGIN PRIVATE KEY-----", "ssn 123456789", "phone: (", "cvv 12", "exp 1",
	} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, key uint8) {
		b := []byte(s)
		for _, d := range builtinDetectors {
			if d.typ == TypeSecret {
				continue
			}
			m := &matchSet{key: keyClass(key % 8)}
			d.find(b, m)
			for _, mt := range m.ms {
				if mt.start < 0 || mt.end > len(b) || mt.start >= mt.end {
					t.Fatalf("%v: match [%d,%d) in %d bytes", mt.typ, mt.start, mt.end, len(b))
				}
			}
		}
	})
}
