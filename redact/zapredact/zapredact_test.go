package zapredact_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/lambda-compliance/compliance/redact"
	"github.com/lambda-compliance/compliance/redact/zapredact"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

const (
	email    = "jane.doe@example.com"
	card     = "4111 1111 1111 1111"
	password = "hunter2-Sup3r"
)

func newRedactor(t testing.TB) *redact.Redactor {
	t.Helper()
	r, err := redact.New(redact.Config{SensitiveKeys: []string{"pin"}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var encoderConfig = zapcore.EncoderConfig{
	MessageKey:    "msg",
	LevelKey:      "level",
	StacktraceKey: "stack",
	EncodeLevel:   zapcore.LowercaseLevelEncoder,
}

// newLogger returns a logger writing JSON lines to the returned buffer
// through the redacting core.
func newLogger(t testing.TB, opts ...zapredact.Option) (*zap.Logger, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	next := zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), zapcore.AddSync(&buf), zapcore.DebugLevel)
	return zap.New(zapredact.NewCore(next, newRedactor(t), opts...)), &buf
}

// lines decodes each written line, failing on invalid JSON.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("written line is not valid JSON: %v\n%s", err, l)
		}
		out = append(out, m)
	}
	return out
}

func assertNoLeak(t *testing.T, out string, planted ...string) {
	t.Helper()
	for _, p := range planted {
		if strings.Contains(out, p) {
			t.Errorf("output contains %q:\n%s", p, out)
		}
	}
}

func TestCoreMessageAndFields(t *testing.T) {
	log, buf := newLogger(t)
	log.Info("signup of "+email,
		zap.String("user", email),
		zap.String("card", card),
		zap.String("password", password),
		zap.Int("pin", 1234),
		zap.String("order_id", "ORD-2024-0001"),
		zap.Int("items", 3),
		zap.Bool("gift", true),
		zap.ByteString("raw", []byte("contact "+email)),
	)
	out := buf.String()
	assertNoLeak(t, out, email, card, "4111111111111111", password, "1234")
	m := lines(t, buf)[0]
	for k, want := range map[string]any{"order_id": "ORD-2024-0001", "items": 3.0, "gift": true, "level": "info"} {
		if got := m[k]; got != want {
			t.Errorf("%s = %v, want %v (unchanged)", k, got, want)
		}
	}
	for _, k := range []string{"user", "card", "password", "pin", "raw", "msg"} {
		s, ok := m[k].(string)
		if !ok || !strings.Contains(s, "[REDACTED") {
			t.Errorf("%s = %#v, want a redacted string", k, m[k])
		}
	}
}

func TestCoreWith(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	log, buf := newLogger(t, zapredact.WithFindings(func(fs redact.Findings) {
		mu.Lock()
		defer mu.Unlock()
		calls++
	}))
	child := log.With(zap.String("user", email), zap.String("service", "billing"))
	if calls != 1 {
		t.Fatalf("findings hook called %d times by With, want 1", calls)
	}
	child.Info("one")
	child.Info("two")
	if calls != 1 {
		t.Errorf("findings hook called %d times after two clean entries, want 1 (With fields redacted once)", calls)
	}
	assertNoLeak(t, buf.String(), email)
	for _, m := range lines(t, buf) {
		if m["service"] != "billing" {
			t.Errorf("service = %v, want billing", m["service"])
		}
		if m["user"] != "[REDACTED:email]" {
			t.Errorf("user = %v, want [REDACTED:email]", m["user"])
		}
	}
}

// verboseError has a verbose form (%+v) that differs from its message.
type verboseError struct{ msg, detail string }

func (e verboseError) Error() string { return e.msg }

func (e verboseError) Format(s fmt.State, verb rune) {
	if verb == 'v' && s.Flag('+') {
		fmt.Fprintf(s, "%s\ndetail: %s", e.msg, e.detail)
		return
	}
	fmt.Fprint(s, e.msg)
}

func TestCoreErrors(t *testing.T) {
	log, buf := newLogger(t)
	log.Error("lookup failed",
		zap.Error(errors.New("no account for "+email)),
		zap.NamedError("charge", verboseError{msg: "card declined", detail: "card " + card}),
	)
	assertNoLeak(t, buf.String(), email, card)
	m := lines(t, buf)[0]
	if got, want := m["error"], "no account for [REDACTED:email]"; got != want {
		t.Errorf("error = %v, want %v", got, want)
	}
	if got, want := m["charge"], "card declined"; got != want {
		t.Errorf("charge = %v, want %v", got, want)
	}
	if v, _ := m["chargeVerbose"].(string); !strings.Contains(v, "[REDACTED") {
		t.Errorf("chargeVerbose = %q, want a redacted verbose form", v)
	}
}

type account struct {
	ID    string
	Email string
	Owner owner
}

type owner struct{ Password string }

func (a account) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("id", a.ID)
	enc.AddString("email", a.Email)
	return enc.AddObject("owner", zapcore.ObjectMarshalerFunc(func(enc zapcore.ObjectEncoder) error {
		enc.AddString("password", a.Owner.Password)
		return nil
	}))
}

type stringer string

func (s stringer) String() string { return string(s) }

func TestCoreNested(t *testing.T) {
	log, buf := newLogger(t)
	a := account{ID: "acct-42", Email: email, Owner: owner{Password: password}}
	log.Info("nested",
		zap.Object("account", a),
		zap.Array("emails", zapcore.ArrayMarshalerFunc(func(enc zapcore.ArrayEncoder) error {
			enc.AppendString(email)
			enc.AppendString("nobody")
			return nil
		})),
		zap.Any("map", map[string]any{"password": password, "id": "acct-42"}),
		zap.Reflect("struct", a),
		zap.Stringer("who", stringer("owner "+email)),
		zap.Inline(a),
	)
	assertNoLeak(t, buf.String(), email, password)
	m := lines(t, buf)[0]
	acct, ok := m["account"].(map[string]any)
	if !ok {
		t.Fatalf("account = %#v, want an object", m["account"])
	}
	if acct["id"] != "acct-42" {
		t.Errorf("account.id = %v, want acct-42", acct["id"])
	}
	if acct["email"] != "[REDACTED:email]" {
		t.Errorf("account.email = %v, want [REDACTED:email]", acct["email"])
	}
	if arr, ok := m["emails"].([]any); !ok || len(arr) != 2 || arr[1] != "nobody" {
		t.Errorf("emails = %#v, want a two-element array keeping nobody", m["emails"])
	}
	if m["id"] != "acct-42" {
		t.Errorf("inline id = %v, want acct-42", m["id"])
	}
}

func TestCoreStack(t *testing.T) {
	var buf bytes.Buffer
	next := zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), zapcore.AddSync(&buf), zapcore.DebugLevel)
	c := zapredact.NewCore(next, newRedactor(t))
	ent := zapcore.Entry{Level: zapcore.ErrorLevel, Message: "boom", Stack: "main.handle(" + email + ")\n\t/src/main.go:12"}
	if ce := c.Check(ent, nil); ce == nil {
		t.Fatal("Check returned nil for an enabled level")
	} else {
		ce.Write()
	}
	assertNoLeak(t, buf.String(), email)
	if m := lines(t, &buf)[0]; !strings.Contains(m["stack"].(string), "/src/main.go:12") {
		t.Errorf("stack = %q, want the rest of the stack kept", m["stack"])
	}
}

func TestCoreLevel(t *testing.T) {
	next := zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), zapcore.AddSync(&bytes.Buffer{}), zapcore.WarnLevel)
	c := zapredact.NewCore(next, newRedactor(t))
	if c.Enabled(zapcore.InfoLevel) || !c.Enabled(zapcore.ErrorLevel) {
		t.Error("Enabled does not follow the wrapped core")
	}
	if got := zapcore.LevelOf(c); got != zapcore.WarnLevel {
		t.Errorf("LevelOf = %v, want warn", got)
	}
	if ce := c.Check(zapcore.Entry{Level: zapcore.InfoLevel}, nil); ce != nil {
		t.Error("Check accepted a disabled entry")
	}
}

// recorder is a core that keeps what it is given.
type recorder struct {
	zapcore.LevelEnabler
	fields []zapcore.Field
}

func (r *recorder) With([]zapcore.Field) zapcore.Core { return r }
func (r *recorder) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, r)
}
func (r *recorder) Write(_ zapcore.Entry, fs []zapcore.Field) error { r.fields = fs; return nil }
func (r *recorder) Sync() error                                     { return nil }

func TestCoreCleanFieldsPassThrough(t *testing.T) {
	rec := &recorder{LevelEnabler: zapcore.DebugLevel}
	c := zapredact.NewCore(rec, newRedactor(t))
	fields := []zapcore.Field{zap.String("order_id", "ORD-2024-0001"), zap.Int("items", 3), zap.Duration("took", 5)}
	if err := c.Write(zapcore.Entry{Message: "clean"}, fields); err != nil {
		t.Fatal(err)
	}
	if len(rec.fields) != len(fields) || &rec.fields[0] != &fields[0] {
		t.Errorf("clean fields were copied or changed: %v", rec.fields)
	}
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	// The core itself adds no allocation to what the redactor spends on the
	// pieces it is given (the message, then each field as {"key": value}).
	r := newRedactor(t)
	pieces := [][]byte{[]byte("clean"), []byte(`{"order_id":"ORD-2024-0001"}`), []byte(`{"items":3}`)}
	base := testing.AllocsPerRun(100, func() {
		for _, p := range pieces {
			r.Bytes(p)
		}
	})
	allocs := testing.AllocsPerRun(100, func() { _ = c.Write(zapcore.Entry{Message: "clean"}, fields[:2]) })
	if allocs > base {
		t.Errorf("a clean entry costs %v allocations, the redactor alone %v: want no more", allocs, base)
	}
}

func TestNewCoreNilRedactor(t *testing.T) {
	rec := &recorder{LevelEnabler: zapcore.DebugLevel}
	c := zapredact.NewCore(rec, nil)
	_ = c.Write(zapcore.Entry{}, []zapcore.Field{zap.String("user", email)})
	if rec.fields[0].String == email {
		t.Error("a nil Redactor does not redact: want the default configuration")
	}
}

func BenchmarkCore(b *testing.B) {
	next := zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), zapcore.AddSync(discard{}), zapcore.DebugLevel)
	log := zap.New(zapredact.NewCore(next, newRedactor(b)))
	b.Run("clean", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			log.Info("order placed", zap.String("order_id", "ORD-2024-0001"), zap.Int("items", 3),
				zap.String("region", "eu-west-1"), zap.Bool("gift", false), zap.String("status", "accepted"))
		}
	})
	b.Run("pii", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			log.Info("order placed", zap.String("order_id", "ORD-2024-0001"), zap.String("user", email),
				zap.String("card", card), zap.Bool("gift", false), zap.String("password", password))
		}
	})
	b.Run("unwrapped", func(b *testing.B) {
		plain := zap.New(next)
		b.ReportAllocs()
		for b.Loop() {
			plain.Info("order placed", zap.String("order_id", "ORD-2024-0001"), zap.Int("items", 3),
				zap.String("region", "eu-west-1"), zap.Bool("gift", false), zap.String("status", "accepted"))
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// countingStringer counts its String calls.
type countingStringer struct{ n *int }

func (c countingStringer) String() string { *c.n++; return "visitor" }

// Values computed by user code are rendered once, and the wrapped core gets
// that rendering: a second call could return what was not checked.
func TestCoreRendersUserValuesOnce(t *testing.T) {
	log, buf := newLogger(t)
	var nString, nObject int
	obj := zapcore.ObjectMarshalerFunc(func(enc zapcore.ObjectEncoder) error {
		nObject++
		enc.AddString("id", "acct-42")
		return nil
	})
	log.Info("clean", zap.Stringer("who", countingStringer{&nString}), zap.Object("account", obj))
	if nString != 1 || nObject != 1 {
		t.Errorf("String called %d times, MarshalLogObject %d times: want 1 each", nString, nObject)
	}
	m := lines(t, buf)[0]
	if m["who"] != "visitor" {
		t.Errorf("who = %v, want visitor", m["who"])
	}
	if a, _ := m["account"].(map[string]any); a == nil || a["id"] != "acct-42" {
		t.Errorf("account = %v, want {id: acct-42}", m["account"])
	}
}

// Fields are redacted together, as the line the reader sees: a member's
// siblings and the namespaces it sits in count.
func TestCoreContext(t *testing.T) {
	log, buf := newLogger(t)
	log.Info("env", zap.String("name", "DB_PASSWORD"), zap.String("value", password))
	log.Info("ns", zap.String("id", "r-1"), zap.Namespace("req"), zap.String("email", email), zap.String("path", "/orders"))
	log.Info("secret ns", zap.Namespace("password"), zap.String("value", password), zap.Int("n", 7))
	assertNoLeak(t, buf.String(), password, email)
	ls := lines(t, buf)
	if !strings.Contains(fmt.Sprint(ls[0]["value"]), "[REDACTED") {
		t.Errorf("env line = %v, want value redacted", ls[0])
	}
	req, _ := ls[1]["req"].(map[string]any)
	if ls[1]["id"] != "r-1" || req == nil || req["path"] != "/orders" || !strings.Contains(fmt.Sprint(req["email"]), "[REDACTED") {
		t.Errorf("namespace line = %v, want id and req.path kept, req.email redacted", ls[1])
	}
	// Under a sensitive key every value is redacted, the structure kept.
	if ns, _ := ls[2]["password"].(map[string]any); ns == nil || ns["n"] != "[REDACTED:secret]" {
		t.Errorf("secret ns line = %v, want the namespace kept with n redacted", ls[2])
	}

	// A namespace opened by With holds the fields of later entries.
	buf.Reset()
	child := log.With(zap.String("id", "r-2"), zap.Namespace("password"))
	child.Info("with ns", zap.String("value", password), zap.String("path", "/login"))
	child.With(zap.String("value", password)).Info("with ns twice")
	assertNoLeak(t, buf.String(), password)
	for _, m := range lines(t, buf) {
		if m["id"] != "r-2" {
			t.Errorf("with ns line = %v, want id kept", m)
		}
		if _, ok := m["password"].(map[string]any); !ok {
			t.Errorf("with ns line = %v, want the password namespace", m)
		}
	}
}
