package audit

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"testing"
)

func BenchmarkRecord(b *testing.B) {
	for _, mode := range []string{"ES256", "HS256"} {
		b.Run(mode, func(b *testing.B) {
			cfg := testConfig()
			if mode == "HS256" {
				cfg.HMACKey = []byte("HMAC key zero, 32 bytes long....")
			}
			ctx := context.Background()
			c, err := NewChain(ctx, io.Discard, cfg)
			if err != nil {
				b.Fatal(err)
			}
			ev := testEvent(1)
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if err := c.Record(ctx, ev); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
}

// BenchmarkRecordParallel measures Record from concurrent invocations
// sharing one chain (Lambda's AWS_LAMBDA_MAX_CONCURRENCY).
func BenchmarkRecordParallel(b *testing.B) {
	ctx := context.Background()
	c, err := NewChain(ctx, io.Discard, testConfig())
	if err != nil {
		b.Fatal(err)
	}
	ev := testEvent(1)
	b.ReportAllocs()
	start := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.Record(ctx, ev); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportCPU(b, start)
}

func BenchmarkVerify(b *testing.B) {
	const n = 4000
	lines, _ := writeChain(b, n, testConfig(), true)
	in := join(lines)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	records := 0
	start := cpuTime()
	for b.Loop() {
		rep, err := Verify(context.Background(), bytes.NewReader(in), VerifyOptions{})
		if err != nil || rep.Chains[0].Status != StatusUncertified {
			b.Fatal(err, rep)
		}
		records += rep.Records
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(records)/s, "records/s")
	b.ReportMetric(float64(records)/(float64(cpuTime()-start)/1e9), "records/cpu-s")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
}

func BenchmarkCanonicalize(b *testing.B) {
	lines, _ := writeChain(b, 1, testConfig(), false)
	rec := lines[1]
	var p canonParser
	var buf []byte
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		var err error
		if buf, err = p.canonicalize(buf[:0], rec, fingerprintExclude); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}
