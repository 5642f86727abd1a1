// Command localkms serves a local KMS (the KMS JSON protocol) on 127.0.0.1,
// for tests of the CLI that need a KMS endpoint in another process:
//
//	localkms -port 4599 -data /tmp/kms
//
// Point the AWS SDK at it with AWS_ENDPOINT_URL_KMS=http://127.0.0.1:4599,
// region eu-west-2 and any static credentials. It stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/lambda-compliance/compliance/integration/localkms"
)

func main() {
	port := flag.Int("port", 4599, "TCP port on 127.0.0.1 (0 picks a free one)")
	dir := flag.String("data", "", "directory of the key database (default: a new temporary directory)")
	verbose := flag.Bool("v", false, "log every KMS operation to stderr")
	flag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", "localkms-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		log.Fatal(err)
	}
	var logs io.Writer
	if *verbose {
		logs = os.Stderr
	}
	h, closeDB := localkms.NewHandler(*dir, logs)
	defer closeDB()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	// The address line is what scripts wait for.
	fmt.Printf("localkms listening on http://%s region %s account %s\n", ln.Addr(), localkms.Region, localkms.AccountID)
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Print(err)
	}
}
