// Command compliance is the command-line side of the compliance library:
// it redacts PII and secrets from log lines and events, reports where they
// are, encrypts and decrypts in the AWS Encryption SDK message format, and
// verifies the hash chains of audit records.
//
//	compliance redact [flags] < in > out
//	compliance scan [flags] [FILE...]
//	compliance encrypt (--kms-key-id ARN | --raw-aes-key-file FILE --key-namespace NS --key-name NAME) [flags] < in > out
//	compliance decrypt (--kms-key-id ARN | --raw-aes-key-file FILE --key-namespace NS --key-name NAME) [flags] < in > out
//	compliance audit verify [--kms] [--public-key-pem [ARN=]FILE]... [--hmac-key-file FILE] [--json] [--report-ids FILE] [FILE...]
//	compliance help [command]
//
// redact and scan read and write lines: one output line per input line for
// redact, payload-free findings (type and byte offsets, never the value)
// for scan. encrypt writes one base64 line per input (or per JSON line with
// --fields), decrypt the plaintext, and both write nothing on failure. audit
// verify checks the signed hash chains of audit records in log lines and
// prints a status per chain (chain ids, sequence and line numbers, never a
// record's content). Errors go to stderr, prefixed "compliance: ".
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // redact: the stream failed midway; scan: something was found; encrypt, decrypt: the keys, KMS or the message failed
	exitUsage = 2 // bad flags, bad configuration, unreadable input
)

// command is one subcommand.
type command struct {
	name    string
	summary string // one line, for the command list
	usage   string // the synopsis, after "compliance "
	help    string // what help adds between the synopsis and the flags
	// setup registers the command's flags on fs and returns the function
	// that runs the command, with the arguments left after the flags, once
	// they are parsed.
	setup func(fs *flag.FlagSet) func(e *env, args []string) int
}

// commands lists the subcommands in the order help shows them.
var commands []*command

func init() {
	commands = []*command{redactCmd, scanCmd, encryptCmd, decryptCmd, auditCmd, helpCmd}
}

var helpCmd = &command{
	name:    "help",
	summary: "show this text, or the flags of one command",
	usage:   "help [command]",
	setup: func(*flag.FlagSet) func(*env, []string) int {
		return func(e *env, args []string) int {
			switch len(args) {
			case 0:
				printUsage(e.stdout)
				return exitOK
			case 1:
				if c := lookup(args[0]); c != nil {
					fs := newFlagSet(c.name)
					c.setup(fs)
					printCommandUsage(e.stdout, c, fs)
					return exitOK
				}
				e.errorf("unknown command %q", args[0])
				printUsage(e.stderr)
				return exitUsage
			}
			e.errorf("help takes at most one command")
			return exitUsage
		}
	},
}

// env is what a command runs against: its streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// errorf writes one "compliance: " message to stderr.
func (e *env) errorf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "compliance: "+format+"\n", args...)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program: it parses args (without the program name),
// runs the command on the given streams, and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printUsage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		printUsage(stdout)
		return exitOK
	}
	c := lookup(name)
	if c == nil {
		e.errorf("unknown command %q", name)
		printUsage(stderr)
		return exitUsage
	}
	fs := newFlagSet(c.name)
	exec := c.setup(fs)
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandUsage(stdout, c, fs)
			return exitOK
		}
		e.errorf("%s: %v", c.name, err)
		fmt.Fprintf(stderr, "Run 'compliance help %s' for usage.\n", c.name)
		return exitUsage
	}
	return exec(e, rest)
}

// parseInterspersed parses args into fs, allowing flags after arguments
// (compliance scan app.log --json); everything after "--" is an argument.
// It returns the arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, nil
		}
		if used := len(args) - len(left); used > 0 && args[used-1] == "--" {
			return append(rest, left...), nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("compliance finds and redacts PII and secrets in log lines and Lambda events, encrypts\nand decrypts data in the AWS Encryption SDK format, and verifies audit chains.\n\n")
	b.WriteString("Usage:\n  compliance <command> [flags] [arguments]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'compliance help <command>' for a command's flags.\n")
	io.WriteString(w, b.String())
}

// newFlagSet returns an empty flag set that prints nothing: parse errors
// are reported by run, with the "compliance: " prefix.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

func printCommandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: compliance %s\n\n%s.\n", c.usage, strings.ToUpper(c.summary[:1])+c.summary[1:])
	if c.help != "" {
		fmt.Fprintf(w, "\n%s", c.help)
	}
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		name, text := flag.UnquoteUsage(f)
		fmt.Fprintf(&b, "  --%s", f.Name)
		if name != "" {
			fmt.Fprintf(&b, " %s", name)
		}
		fmt.Fprintf(&b, "\n      %s\n", text)
	})
	if b.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", b.String())
	}
}
