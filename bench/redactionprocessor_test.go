package bench

import (
	"context"
	"fmt"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/redactionprocessor"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
)

// otelBatch is how many lines go into one plog.Logs handed to the
// processor: a collector batches log records the same way.
const otelBatch = 100

// sensitiveKeyPatterns are the redactionprocessor's blocked_key_patterns:
// the key words of the regexp baseline's sensitive-key rule. They apply to
// attributes and to map bodies; a body that is a string (a log line, a JSON
// document as text) is matched by blocked_values only.
var sensitiveKeyPatterns = []string{`(?i)password|passwd|pwd|passcode|secret|token|api[_-]?key|authorization|cookie|pin|cvv|cvc|ssn`}

// otelRedactor drives the OpenTelemetry Collector contrib redactionprocessor
// through its factory, as a collector pipeline would: log records in, a
// LogsSink as the next consumer.
type otelRedactor struct {
	proc processor.Logs
	sink *consumertest.LogsSink
}

func newOtelRedactor() (*otelRedactor, error) {
	f := redactionprocessor.NewFactory()
	cfg := f.CreateDefaultConfig().(*redactionprocessor.Config)
	cfg.AllowAllKeys = true
	cfg.BlockedValues = valuePatterns()
	cfg.BlockedKeyPatterns = sensitiveKeyPatterns
	cfg.Summary = "silent"
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("redactionprocessor config: %w", err)
	}
	sink := new(consumertest.LogsSink)
	ctx := context.Background()
	proc, err := f.CreateLogs(ctx, processortest.NewNopSettings(f.Type()), cfg, sink)
	if err != nil {
		return nil, fmt.Errorf("redactionprocessor: %w", err)
	}
	if err := proc.Start(ctx, componenttest.NewNopHost()); err != nil {
		return nil, fmt.Errorf("redactionprocessor start: %w", err)
	}
	return &otelRedactor{proc: proc, sink: sink}, nil
}

// redact sends lines through the processor in batches of otelBatch, each
// line the string body of one log record, and calls out with each
// redacted body in order.
func (o *otelRedactor) redact(lines [][]byte, out func(i int, body string)) error {
	ctx := context.Background()
	for start := 0; start < len(lines); start += otelBatch {
		end := min(start+otelBatch, len(lines))
		ld := plog.NewLogs()
		recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		recs.EnsureCapacity(end - start)
		for _, l := range lines[start:end] {
			recs.AppendEmpty().Body().SetStr(string(l))
		}
		if err := o.proc.ConsumeLogs(ctx, ld); err != nil {
			return err
		}
		i := start
		for _, got := range o.sink.AllLogs() {
			rls := got.ResourceLogs()
			for r := 0; r < rls.Len(); r++ {
				sls := rls.At(r).ScopeLogs()
				for s := 0; s < sls.Len(); s++ {
					lrs := sls.At(s).LogRecords()
					for k := 0; k < lrs.Len(); k++ {
						if out != nil {
							out(i, lrs.At(k).Body().AsString())
						}
						i++
					}
				}
			}
		}
		o.sink.Reset()
		if i != end {
			return fmt.Errorf("redactionprocessor: %d records in, %d out", end-start, i-start)
		}
	}
	return nil
}

func (o *otelRedactor) shutdown() error { return o.proc.Shutdown(context.Background()) }
