package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/lambda-compliance/compliance/encrypt"
	"github.com/lambda-compliance/compliance/internal/kmsclient"
)

const keyFlagsHelp = `The key is either AWS KMS keys (--kms-key-id, repeatable: the first generates the data key,
the others encrypt it too) or a raw AES-256 key (--raw-aes-key-file with --key-namespace and
--key-name, as the AWS Encryption SDKs name raw keys), not both. The AWS configuration comes
from the environment and shared files as for the AWS CLI: AWS_REGION (else the key ARN's
Region), AWS_PROFILE, AWS_ENDPOINT_URL_KMS, the credential chain.
`

var encryptCmd = &command{
	name:    "encrypt",
	summary: "encrypt stdin into an AWS Encryption SDK message, written in base64",
	usage:   "encrypt (--kms-key-id ARN | --raw-aes-key-file FILE --key-namespace NS --key-name NAME) [flags] < in > out",
	help: `Reads all of stdin and writes one line: the standard base64 of a message in the AWS Encryption
SDK format (version 2), which the Encryption SDKs, their CLI and Powertools for AWS Lambda
decrypt. With --fields, each input line is a JSON document instead, written back with the value
at each path replaced by the base64 of a message of its own (paths such as $.user.email,
users[*].email, $['a.b']); the rest of each line is unchanged.
On any failure nothing is written to stdout.

` + keyFlagsHelp,
	setup: func(fs *flag.FlagSet) func(*env, []string) int {
		var f cryptoFlags
		f.register(fs, true)
		return func(e *env, args []string) int { return f.run(e, args, true) }
	},
}

var decryptCmd = &command{
	name:    "decrypt",
	summary: "decrypt an AWS Encryption SDK message from stdin, base64 or binary",
	usage:   "decrypt (--kms-key-id ARN | --raw-aes-key-file FILE --key-namespace NS --key-name NAME) [flags] < in > out",
	help: `Reads one message from stdin, in base64 (white space and line breaks allowed) or binary, and
writes its plaintext. Each --context pair must be in the message's encryption context. With
--fields, each input line is a JSON document whose values at the paths EncryptFields or
'compliance encrypt --fields' encrypted are put back.
The plaintext is written only once the whole message is authenticated: on any failure nothing is
written to stdout.

` + keyFlagsHelp,
	setup: func(fs *flag.FlagSet) func(*env, []string) int {
		var f cryptoFlags
		f.register(fs, false)
		return func(e *env, args []string) int { return f.run(e, args, false) }
	},
}

// cryptoFlags are the flags of encrypt and decrypt.
type cryptoFlags struct {
	kmsKeyIDs    listFlag
	rawKeyFile   string
	keyNamespace string
	keyName      string
	context      contextFlag
	suite        string
	frameLength  int
	fields       repeatFlag
}

func (f *cryptoFlags) register(fs *flag.FlagSet, encrypting bool) {
	fs.Var(&f.kmsKeyIDs, "kms-key-id", "use the AWS KMS key `ARN` (comma-separated or repeatable; aliases only to encrypt)")
	fs.StringVar(&f.rawKeyFile, "raw-aes-key-file", "", "use the raw AES-256 key in `FILE`: the base64 of 32 bytes")
	fs.StringVar(&f.keyNamespace, "key-namespace", "", "the `namespace` of the raw AES key (required with --raw-aes-key-file)")
	fs.StringVar(&f.keyName, "key-name", "", "the `name` of the raw AES key (required with --raw-aes-key-file)")
	if encrypting {
		fs.Var(&f.context, "context", "add `key=value` to the encryption context, stored in clear in the message (repeatable)")
		fs.StringVar(&f.suite, "suite", "0x0478", "the algorithm `suite`: 0x0478 (AES-256-GCM, committed key) (the default) or 0x0578 (plus an ECDSA P-384 signature)")
		fs.IntVar(&f.frameLength, "frame-length", encrypt.DefaultFrameLength, "plaintext `bytes` per frame (default 4096)")
		fs.Var(&f.fields, "fields", "encrypt the value at the JSON `path` of each input line instead of the whole input (repeatable)")
	} else {
		fs.Var(&f.context, "context", "require `key=value` in the message's encryption context (repeatable)")
		fs.Var(&f.fields, "fields", "decrypt the value at the JSON `path` of each input line instead of a whole message (repeatable)")
	}
}

// run runs encrypt or decrypt.
func (f *cryptoFlags) run(e *env, args []string, encrypting bool) int {
	name := "decrypt"
	if encrypting {
		name = "encrypt"
	}
	if len(args) > 0 {
		e.errorf("%s: reads stdin and takes no arguments (got %q)", name, args[0])
		return exitUsage
	}
	ctx := context.Background()
	enc, err := f.encryptor(ctx, encrypting)
	if err != nil {
		e.errorf("%s: %v", name, err)
		return exitUsage
	}
	var out []byte
	switch {
	case len(f.fields) > 0:
		out, err = f.lines(ctx, enc, e.stdin, encrypting)
	case encrypting:
		out, err = encryptAll(ctx, enc, e.stdin, f.context.m)
	default:
		out, err = decryptAll(ctx, enc, e.stdin, f.context.m)
	}
	if err != nil {
		clear(out)
		e.errorf("%s: %v", name, err)
		return exitFail
	}
	_, err = e.stdout.Write(out)
	clear(out)
	if err != nil {
		e.errorf("%s: %v", name, writeError(err))
		return exitFail
	}
	return exitOK
}

// encryptor builds the Encryptor the flags describe. Its errors name the
// flag or file at fault and never quote a key.
func (f *cryptoFlags) encryptor(ctx context.Context, encrypting bool) (*encrypt.Encryptor, error) {
	var opts []encrypt.Option
	if encrypting {
		s, err := strconv.ParseUint(f.suite, 0, 16)
		if err != nil || encrypt.Suite(s) != encrypt.SuiteCommit && encrypt.Suite(s) != encrypt.SuiteCommitSigned {
			return nil, fmt.Errorf("--suite: want 0x0478 or 0x0578, got %q", f.suite)
		}
		if f.frameLength <= 0 {
			return nil, fmt.Errorf("--frame-length: want a positive number of bytes, got %d", f.frameLength)
		}
		opts = append(opts, encrypt.WithSuite(encrypt.Suite(s)), encrypt.WithFrameLength(f.frameLength))
	}
	var kr encrypt.Keyring
	switch {
	case len(f.kmsKeyIDs) > 0 && f.rawKeyFile != "":
		return nil, errors.New("give --kms-key-id or --raw-aes-key-file, not both")
	case len(f.kmsKeyIDs) > 0:
		if f.keyNamespace != "" || f.keyName != "" {
			return nil, errors.New("--key-namespace and --key-name go with --raw-aes-key-file, not --kms-key-id")
		}
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("loading the AWS configuration: %w", err)
		}
		if kr, err = kmsclient.Keyring(cfg, f.kmsKeyIDs...); err != nil {
			return nil, err
		}
	case f.rawKeyFile != "":
		if f.keyNamespace == "" || f.keyName == "" {
			return nil, errors.New("--raw-aes-key-file needs --key-namespace and --key-name")
		}
		key, err := rawAESKeyForm.read(f.rawKeyFile)
		if err != nil {
			return nil, err
		}
		kr, err = encrypt.RawAESKeyring(f.keyNamespace, f.keyName, key)
		clear(key)
		if err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("give a key: --kms-key-id ARN, or --raw-aes-key-file FILE with --key-namespace and --key-name")
	}
	return encrypt.New(append(opts, encrypt.WithKeyring(kr))...)
}

// rawAESKeyForm is the form of the --raw-aes-key-file file: the standard
// base64 of a raw AES-256 key, 32 bytes.
var rawAESKeyForm = keyFileForm{
	flag: "--raw-aes-key-file",
	want: "the base64 of 32 random bytes, e.g. from 'head -c 32 /dev/urandom | base64'",
	encs: []*base64.Encoding{base64.StdEncoding.Strict()},
	check: func(key []byte) error {
		if len(key) != 32 {
			return fmt.Errorf("the key is %d bytes, want 32", len(key))
		}
		return nil
	},
}

// encryptAll returns the base64 of the message of all of in, and a newline.
func encryptAll(ctx context.Context, e *encrypt.Encryptor, in io.Reader, ec map[string]string) ([]byte, error) {
	var msg bytes.Buffer
	if err := e.EncryptStream(ctx, &msg, in, ec); err != nil {
		return nil, err
	}
	out := base64.StdEncoding.AppendEncode(make([]byte, 0, base64.StdEncoding.EncodedLen(msg.Len())+1), msg.Bytes())
	return append(out, '\n'), nil
}

// decryptAll returns the plaintext of the message in in, binary or base64.
func decryptAll(ctx context.Context, e *encrypt.Encryptor, in io.Reader, required map[string]string) ([]byte, error) {
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, readError(err)
	}
	msg, err := messageBytes(data)
	if err != nil {
		return nil, err
	}
	pt, _, err := e.Decrypt(ctx, msg, required)
	return pt, err
}

// messageBytes returns the message in data: data itself when it starts as a
// binary message does (version 1 or 2), else the decoded base64.
func messageBytes(data []byte) ([]byte, error) {
	if len(data) > 0 && (data[0] == 1 || data[0] == 2) {
		return data, nil
	}
	text := bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, data)
	if len(text) == 0 {
		return nil, errors.New("no message on stdin")
	}
	msg, err := base64.StdEncoding.Strict().AppendDecode(nil, text)
	if err != nil {
		return nil, errors.New("stdin is neither a binary message nor the base64 of one")
	}
	return msg, nil
}

// lines encrypts or decrypts the fields of each JSON line of in, keeping
// each line's terminator. Lines of only white space are copied.
func (f *cryptoFlags) lines(ctx context.Context, e *encrypt.Encryptor, in io.Reader, encrypting bool) ([]byte, error) {
	lr := newLineReader(in)
	var out []byte
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			clear(out)
			return nil, readError(err)
		}
		content, eol := splitEOL(line)
		if len(bytes.TrimSpace(content)) == 0 {
			out = append(append(out, content...), eol...)
			continue
		}
		var res []byte
		if encrypting {
			res, err = e.EncryptFields(ctx, content, f.fields, f.context.m)
		} else {
			res, err = e.DecryptFields(ctx, content, f.fields, f.context.m)
		}
		if err != nil {
			clear(out)
			return nil, fmt.Errorf("line %d: %w", lr.n, err)
		}
		out = append(append(out, res...), eol...)
		clear(res)
	}
}

// contextFlag collects repeatable key=value pairs.
type contextFlag struct{ m map[string]string }

func (c *contextFlag) String() string {
	if c == nil {
		return ""
	}
	var parts []string
	for k, v := range c.m {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (c *contextFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return errors.New("want key=value")
	}
	if old, dup := c.m[k]; dup && old != val {
		return fmt.Errorf("key %q given twice with different values", k)
	}
	if c.m == nil {
		c.m = make(map[string]string)
	}
	c.m[k] = val
	return nil
}

// repeatFlag is a repeatable flag whose values are kept whole (no comma
// splitting: a JSON path may hold commas).
type repeatFlag []string

func (r *repeatFlag) String() string { return strings.Join(*r, " ") }

func (r *repeatFlag) Set(v string) error {
	*r = append(*r, v)
	return nil
}
