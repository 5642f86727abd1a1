package zapredact_test

import (
	"fmt"
	"io"
	"os"

	"github.com/lambda-compliance/compliance/redact"
	"github.com/lambda-compliance/compliance/redact/zapredact"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func ExampleNewCore() {
	r, err := redact.New(redact.Config{})
	if err != nil {
		panic(err)
	}
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder})
	next := zapcore.NewCore(enc, zapcore.AddSync(os.Stdout), zapcore.InfoLevel)
	log := zap.New(zapredact.NewCore(next, r))

	log.Info("signup from jane.doe@example.com",
		zap.String("order_id", "ORD-2024-0001"),
		zap.String("password", "hunter2"),
	)
	// Output:
	// {"level":"info","msg":"signup from [REDACTED:email]","order_id":"ORD-2024-0001","password":"[REDACTED:secret]"}
}

func ExampleWithFindings() {
	r, err := redact.New(redact.Config{})
	if err != nil {
		panic(err)
	}
	counts := map[string]int{}
	count := zapredact.WithFindings(func(fs redact.Findings) {
		for t, n := range fs.Counts() {
			counts[t] += n // one goroutine here; guard it with a mutex otherwise
		}
	})
	next := zapcore.NewCore(zapcore.NewJSONEncoder(zapcore.EncoderConfig{}), zapcore.AddSync(io.Discard), zapcore.InfoLevel)
	log := zap.New(zapredact.NewCore(next, r, count))

	log.Info("signup", zap.String("email", "jane.doe@example.com"), zap.String("password", "hunter2"))
	log.Info("login", zap.String("email", "jane.doe@example.com"))
	fmt.Println(counts)
	// Output:
	// map[email:2 secret:1]
}
