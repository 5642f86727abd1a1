// Package localkms runs a local KMS (github.com/nsmithuk/local-kms, the KMS
// JSON protocol) in-process on 127.0.0.1, for tests that talk to KMS with the
// real aws-sdk-go-v2 client. The local KMS enforces encryption contexts on
// Decrypt; unlike KMS, its errors have empty messages and a wrong key gives
// InvalidCiphertextException rather than IncorrectKeyException.
package localkms

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/nsmithuk/local-kms/src/config"
	"github.com/nsmithuk/local-kms/src/data"
	"github.com/nsmithuk/local-kms/src/handler"
	"github.com/sirupsen/logrus"
)

// Region and AccountID are those of every local KMS of the process: the local
// KMS keeps them in package variables, so they are set once.
const (
	Region    = "eu-west-2"
	AccountID = "111122223333"
)

var configure sync.Once

func setGlobals() {
	configure.Do(func() {
		config.AWSRegion = Region
		config.AWSAccountId = AccountID
	})
}

// NewHandler returns the local KMS as an http.Handler keeping its keys in the
// directory dir (created if needed), and the function that closes its
// database once the handler has stopped serving. The local KMS logs each
// operation to logs; nil discards them.
func NewHandler(dir string, logs io.Writer) (http.Handler, func()) {
	setGlobals()
	db := data.NewDatabase(dir)
	logger := logrus.New()
	if logs == nil {
		logs = io.Discard
	}
	logger.SetOutput(logs)
	return &kmsHandler{db: db, logger: logger}, db.Close
}

// kmsHandler is src.HandleRequest of the local KMS with a logger of ours
// (that of src is not configurable): POST / with a JSON body, the operation
// named by the X-Amz-Target header (TrentService.Operation).
type kmsHandler struct {
	db     *data.Database
	logger *logrus.Logger
}

func (k *kmsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path != "/":
		http.Error(w, "Page not found", http.StatusNotFound)
		return
	case r.Method != http.MethodPost:
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	case !strings.Contains(r.Header.Get("Content-Type"), "json"):
		http.Error(w, "Only JSON based content types accepted", http.StatusUnsupportedMediaType)
		return
	}
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	h := handler.NewRequestHandler(r, k.logger, k.db)
	m := reflect.ValueOf(h).MethodByName(op)
	if op == "" || !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 || m.Type().Out(0) != reflect.TypeFor[handler.Response]() {
		w.WriteHeader(http.StatusNotImplemented)
		fmt.Fprintf(w, "Passed X-Amz-Target (%s) is not implemented", r.Header.Get("X-Amz-Target"))
		return
	}
	resp := m.Call(nil)[0].Interface().(handler.Response)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(resp.Code)
	io.WriteString(w, resp.Body)
}

// Server is a local KMS serving on 127.0.0.1.
type Server struct {
	URL    string // http://127.0.0.1:port
	Region string

	srv       *httptest.Server
	closeDB   func()
	closeOnce sync.Once
	calls     sync.Map // operation -> *atomic.Int64
}

// Calls returns how many requests of operation op (GenerateDataKey,
// Decrypt, Sign ...) the server has answered.
func (s *Server) Calls(op string) int64 {
	if n, ok := s.calls.Load(op); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

// Start starts a local KMS with an empty database in a temporary directory of
// t; it is closed when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	h, closeDB := NewHandler(t.TempDir(), nil)
	s := &Server{Region: Region, closeDB: closeDB}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { // listens on 127.0.0.1
		_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		n, _ := s.calls.LoadOrStore(op, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		h.ServeHTTP(w, r)
	}))
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close stops the server, waiting for the requests in progress, and closes
// its database. Clients then get connection refused, as from a KMS outage.
// Close is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.srv.Close()
		s.closeDB()
	})
}

// Client returns a KMS client of the server: BaseEndpoint is its URL, with
// static test credentials, and the standard retryer with short backoffs so
// that an outage fails fast. opts apply last.
func (s *Server) Client(opts ...func(*kms.Options)) *kms.Client {
	return kms.New(kms.Options{
		Region:       s.Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDLOCALKMS", SecretAccessKey: "local-kms-secret", Source: "localkms"}, nil
		}),
		Retryer: retry.AddWithMaxBackoffDelay(retry.NewStandard(), 10*time.Millisecond),
	}, opts...)
}

// CreateKey creates a symmetric encryption key (SYMMETRIC_DEFAULT,
// ENCRYPT_DECRYPT) and returns its ARN.
func (s *Server) CreateKey(t testing.TB) string {
	t.Helper()
	return s.createKey(t, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
}

// CreateSigningKey creates an ECDSA P-256 signing key (ECC_NIST_P256,
// SIGN_VERIFY) and returns its ARN.
func (s *Server) CreateSigningKey(t testing.TB) string {
	t.Helper()
	return s.createKey(t, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
}

func (s *Server) createKey(t testing.TB, spec types.KeySpec, usage types.KeyUsageType) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := s.Client().CreateKey(ctx, &kms.CreateKeyInput{KeySpec: spec, KeyUsage: usage})
	if err != nil {
		t.Fatalf("localkms: CreateKey %s: %v", spec, err)
	}
	if out.KeyMetadata == nil || out.KeyMetadata.Arn == nil {
		t.Fatalf("localkms: CreateKey %s: no key ARN in the response", spec)
	}
	return *out.KeyMetadata.Arn
}

// CreateAlias creates the alias name ("alias/...") of the key keyID.
func (s *Server) CreateAlias(t testing.TB, name, keyID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Client().CreateAlias(ctx, &kms.CreateAliasInput{AliasName: &name, TargetKeyId: &keyID}); err != nil {
		t.Fatalf("localkms: CreateAlias %s: %v", name, err)
	}
}
