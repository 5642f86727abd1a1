package slogredact_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/lambda-compliance/compliance/redact"
	"github.com/lambda-compliance/compliance/redact/slogredact"
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

func newLogger(t testing.TB, opts ...slogredact.Option) (*slog.Logger, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	next := slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(slogredact.NewHandler(next, newRedactor(t), opts...)), &buf
}

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

func redacted(v any) bool {
	s, ok := v.(string)
	return ok && strings.Contains(s, "[REDACTED")
}

func TestHandlerMessageAndAttrs(t *testing.T) {
	log, buf := newLogger(t)
	log.Info("signup of "+email,
		slog.String("user", email),
		slog.String("card", card),
		slog.String("password", password),
		slog.Int("pin", 1234),
		slog.Float64("pin", 98.6),
		slog.String("order_id", "ORD-2024-0001"),
		slog.Int("items", 3),
		slog.Bool("gift", true),
		slog.Duration("took", time.Second),
	)
	assertNoLeak(t, buf.String(), email, card, password, "1234", "98.6")
	m := lines(t, buf)[0]
	for k, want := range map[string]any{"order_id": "ORD-2024-0001", "items": 3.0, "gift": true, "took": 1e9} {
		if got := m[k]; got != want {
			t.Errorf("%s = %v, want %v (unchanged)", k, got, want)
		}
	}
	for _, k := range []string{"msg", "user", "card", "password", "pin"} {
		if !redacted(m[k]) {
			t.Errorf("%s = %#v, want a redacted string", k, m[k])
		}
	}
}

type user struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// lazyUser is a LogValuer.
type lazyUser struct{ calls *atomic.Int32 }

func (l lazyUser) LogValue() slog.Value {
	l.calls.Add(1)
	return slog.GroupValue(slog.String("id", "u-7"), slog.String("email", email))
}

func TestHandlerGroupsAnyAndLogValuer(t *testing.T) {
	log, buf := newLogger(t)
	var calls atomic.Int32
	log.Info("nested",
		slog.Group("account", slog.String("id", "acct-42"), slog.String("email", email),
			slog.Group("owner", slog.String("password", password), slog.Int("age", 40))),
		slog.Any("user", user{ID: "u-1", Email: email, Password: password}),
		slog.Any("map", map[string]any{"password": password, "id": "m-1"}),
		slog.Any("err", errors.New("no account for "+email)),
		slog.Any("lazy", lazyUser{&calls}),
		slog.Group("", slog.String("inline_email", email), slog.String("inline_id", "i-1")),
	)
	assertNoLeak(t, buf.String(), email, password)
	if n := calls.Load(); n != 1 {
		t.Errorf("LogValue called %d times, want 1", n)
	}
	m := lines(t, buf)[0]
	acct, ok := m["account"].(map[string]any)
	if !ok {
		t.Fatalf("account = %#v, want an object", m["account"])
	}
	if acct["id"] != "acct-42" || !redacted(acct["email"]) {
		t.Errorf("account = %v, want id kept, email redacted", acct)
	}
	if o, _ := acct["owner"].(map[string]any); o == nil || o["age"] != 40.0 || !redacted(o["password"]) {
		t.Errorf("account.owner = %v, want age kept, password redacted", acct["owner"])
	}
	if u, _ := m["user"].(map[string]any); u == nil || u["id"] != "u-1" {
		t.Errorf("user = %#v, want an object keeping id", m["user"])
	}
	if got, want := m["err"], "no account for [REDACTED:email]"; got != want {
		t.Errorf("err = %v, want %v", got, want)
	}
	if l, _ := m["lazy"].(map[string]any); l == nil || l["id"] != "u-7" {
		t.Errorf("lazy = %#v, want the resolved group keeping id", m["lazy"])
	}
	if m["inline_id"] != "i-1" || !redacted(m["inline_email"]) {
		t.Errorf("inline group: inline_id = %v, inline_email = %v", m["inline_id"], m["inline_email"])
	}
}

func TestHandlerWithAttrsAndGroup(t *testing.T) {
	var calls atomic.Int32
	log, buf := newLogger(t, slogredact.WithFindings(func(redact.Findings) { calls.Add(1) }))
	child := log.With(slog.String("user", email), slog.String("service", "billing"))
	if n := calls.Load(); n != 1 {
		t.Fatalf("findings hook called %d times by With, want 1", n)
	}
	child.Info("one")
	child.WithGroup("req").Info("two", slog.String("email", email), slog.String("path", "/orders"))
	if n := calls.Load(); n != 2 {
		t.Errorf("findings hook called %d times, want 2 (With once, the second record once)", n)
	}
	assertNoLeak(t, buf.String(), email)
	ls := lines(t, buf)
	for _, m := range ls {
		if m["service"] != "billing" || !redacted(m["user"]) {
			t.Errorf("With attrs: service = %v, user = %v", m["service"], m["user"])
		}
	}
	req, _ := ls[1]["req"].(map[string]any)
	if req == nil || req["path"] != "/orders" || !redacted(req["email"]) {
		t.Errorf("req = %v, want path kept, email redacted", ls[1]["req"])
	}
}

// A group opened with WithGroup is the key its attributes sit under: a
// sensitive group name takes them all.
func TestHandlerSensitiveGroup(t *testing.T) {
	log, buf := newLogger(t)
	log.WithGroup("password").Info("login", slog.String("value", password))
	assertNoLeak(t, buf.String(), password)
	lines(t, buf)
}

// recorder keeps the last record handled.
type recorder struct{ rec slog.Record }

func (r *recorder) Enabled(context.Context, slog.Level) bool        { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error { r.rec = rec; return nil }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler              { return r }
func (r *recorder) WithGroup(string) slog.Handler                   { return r }

func TestHandlerDoesNotModifyRecord(t *testing.T) {
	rec := &recorder{}
	h := slogredact.NewHandler(rec, newRedactor(t))
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "hello "+email, 0)
	r.AddAttrs(slog.String("user", email))
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if r.Message != "hello "+email {
		t.Error("Handle modified the record's message")
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Value.String() != email {
			t.Error("Handle modified the record's attributes")
		}
		return true
	})
	if rec.rec.Message == r.Message {
		t.Error("the wrapped handler got the message in clear")
	}
}

func TestHandlerNilRedactor(t *testing.T) {
	rec := &recorder{}
	h := slogredact.NewHandler(rec, nil)
	_ = h.Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelInfo, "to "+email, 0))
	if strings.Contains(rec.rec.Message, email) {
		t.Error("a nil Redactor does not redact: want the default configuration")
	}
}

// TestSlogtest runs the standard library's conformance suite over a
// redacting handler wrapping a JSONHandler.
func TestSlogtest(t *testing.T) {
	var buf bytes.Buffer
	newHandler := func(*testing.T) slog.Handler {
		buf.Reset()
		return slogredact.NewHandler(slog.NewJSONHandler(&buf, nil), newRedactor(t))
	}
	result := func(t *testing.T) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	slogtest.Run(t, newHandler, result)
}

func BenchmarkHandler(b *testing.B) {
	next := slog.NewJSONHandler(discard{}, nil)
	log := slog.New(slogredact.NewHandler(next, newRedactor(b)))
	b.Run("clean", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			log.Info("order placed", slog.String("order_id", "ORD-2024-0001"), slog.Int("items", 3),
				slog.String("region", "eu-west-1"), slog.Bool("gift", false), slog.String("status", "accepted"))
		}
	})
	b.Run("pii", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			log.Info("order placed", slog.String("order_id", "ORD-2024-0001"), slog.String("user", email),
				slog.String("card", card), slog.Bool("gift", false), slog.String("password", password))
		}
	})
	b.Run("unwrapped", func(b *testing.B) {
		plain := slog.New(next)
		b.ReportAllocs()
		for b.Loop() {
			plain.Info("order placed", slog.String("order_id", "ORD-2024-0001"), slog.Int("items", 3),
				slog.String("region", "eu-west-1"), slog.Bool("gift", false), slog.String("status", "accepted"))
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
