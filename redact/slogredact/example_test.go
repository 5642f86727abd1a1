package slogredact_test

import (
	"log/slog"
	"os"

	"github.com/lambda-compliance/compliance/redact"
	"github.com/lambda-compliance/compliance/redact/slogredact"
)

func ExampleNewHandler() {
	r, err := redact.New(redact.Config{})
	if err != nil {
		panic(err)
	}
	next := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	})
	log := slog.New(slogredact.NewHandler(next, r))

	log.Info("signup from jane.doe@example.com",
		slog.String("order_id", "ORD-2024-0001"),
		slog.Group("login", slog.String("password", "hunter2")),
	)
	// Output:
	// {"level":"INFO","msg":"signup from [REDACTED:email]","order_id":"ORD-2024-0001","login":{"password":"[REDACTED:secret]"}}
}
