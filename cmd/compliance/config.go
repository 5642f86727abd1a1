package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/lambda-compliance/compliance/internal/kmsclient"
	"github.com/lambda-compliance/compliance/redact"
)

// redactorFlags are the flags that build a redact.Config: a --config file,
// then the flags on top of it.
type redactorFlags struct {
	configFile     string
	disable        listFlag
	enable         listFlag
	keepPrivateIPs bool
	operators      operatorFlag
	hmacKeyFile    string
	hmacKMSFile    string
}

// register adds the flags to fs; withOperators adds those that only matter
// to the output (--operator, --hmac-key-file).
func (f *redactorFlags) register(fs *flag.FlagSet, withOperators bool) {
	fs.StringVar(&f.configFile, "config", "", "read a redaction config (JSON: disable, enable, sensitiveKeys, allow, operators, keepPrivateIPs) from `FILE`; the flags below add to it")
	fs.Var(&f.disable, "disable", "turn off the default detectors of these `types` (comma-separated; repeatable)")
	fs.Var(&f.enable, "enable", "turn on these opt-in detectors or `packs` (us, uk, ca; comma-separated; repeatable)")
	fs.BoolVar(&f.keepPrivateIPs, "keep-private-ips", false, "keep loopback, private and link-local IP addresses")
	if withOperators {
		fs.Var(&f.operators, "operator", "set the operator of a type: `type=op` with op mask (the default), partial, hmac or remove; type * for all (repeatable)")
		fs.StringVar(&f.hmacKeyFile, "hmac-key-file", "", "key for the hmac operator: `FILE` holds the base64 of at least 32 random bytes")
		fs.StringVar(&f.hmacKMSFile, "hmac-kms-key-file", "", "key for the hmac operator, kept encrypted by KMS: `FILE` holds the base64 of a data key's CiphertextBlob (aws kms generate-data-key-without-plaintext --key-spec AES_256), decrypted through the AWS SDK's standard configuration")
	}
}

// redactor builds the Redactor the flags describe. Its errors name the
// flag or file at fault and never quote a key.
func (f *redactorFlags) redactor() (*redact.Redactor, error) {
	var c redact.Config
	if f.configFile != "" {
		if err := readConfig(f.configFile, &c); err != nil {
			return nil, err
		}
	}
	c.Disable = append(c.Disable, f.disable...)
	c.Enable = append(c.Enable, f.enable...)
	c.KeepPrivateIPs = c.KeepPrivateIPs || f.keepPrivateIPs
	if len(f.operators) > 0 && c.Operators == nil {
		c.Operators = make(map[string]redact.Operator, len(f.operators))
	}
	for _, o := range f.operators {
		c.Operators[o.typ] = o.op
	}
	switch {
	case f.hmacKeyFile != "" && f.hmacKMSFile != "":
		return nil, errors.New("give --hmac-key-file or --hmac-kms-key-file, not both")
	case f.hmacKeyFile != "":
		key, err := hmacKeyForm.read(f.hmacKeyFile)
		if err != nil {
			return nil, err
		}
		c.HMACKey = key
	case f.hmacKMSFile != "":
		key, err := readKMSKeyFile(f.hmacKMSFile)
		if err != nil {
			return nil, err
		}
		c.HMACKey = key
	default:
		for t, op := range c.Operators {
			if op == redact.HMAC {
				return nil, fmt.Errorf("the hmac operator (for %q) needs a key: give one with --hmac-key-file", t)
			}
		}
	}
	r, err := redact.New(c)
	if err != nil {
		if ce, ok := errors.AsType[*redact.ConfigError](err); ok {
			return nil, fmt.Errorf("%s: %s", configFieldName(ce.Field), ce.Reason)
		}
		return nil, err
	}
	return r, nil
}

// configFieldName names a Config field the way the user wrote it: its JSON
// key, and the flag that sets it.
func configFieldName(field string) string {
	switch field {
	case "Disable":
		return "disable (--disable)"
	case "Enable":
		return "enable (--enable)"
	case "Operators":
		return "operators (--operator)"
	case "HMACKey":
		return "--hmac-key-file"
	}
	return field
}

// readConfig decodes a JSON redact.Config from file, rejecting unknown
// fields and anything after the object.
func readConfig(file string, c *redact.Config) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("--config %s: %s", file, describeJSONError(data, err))
	}
	if dec.More() {
		return fmt.Errorf("--config %s: %s: more than one JSON value", file, position(data, dec.InputOffset()))
	}
	return nil
}

// describeJSONError turns an encoding/json error into a message with a line
// and column, without the "json: " prefix.
func describeJSONError(data []byte, err error) string {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return position(data, se.Offset-1) + ": " + msg
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		want := te.Type.String()
		switch want {
		case "[]string":
			want = "an array of strings"
		case "map[string]redact.Operator":
			want = "an object of type names to operators"
		}
		return fmt.Sprintf("%s: %s is %s, want %s", position(data, te.Offset-1), jsonPath(te.Field), te.Value, want)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of file: want one JSON object"
	}
	return msg
}

func jsonPath(field string) string {
	if field == "" {
		return "the config"
	}
	return "\"" + field + "\""
}

// position returns "line L, column C" of the byte at offset off in data.
func position(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// hmacKeyForm is the form of the --hmac-key-file file: the base64
// (standard or URL alphabet, padded or not) of at least 32 bytes.
var hmacKeyForm = keyFileForm{
	flag: "--hmac-key-file",
	want: "the base64 of at least 32 random bytes, e.g. from 'head -c 32 /dev/urandom | base64'",
	encs: []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding},
	check: func(key []byte) error {
		if len(key) < 32 {
			return fmt.Errorf("the key is %d bytes, want at least 32", len(key))
		}
		return nil
	},
}

// hmacKMSKeyForm is the form of the --hmac-kms-key-file file: the standard
// base64 of a KMS CiphertextBlob.
var hmacKMSKeyForm = keyFileForm{
	flag: "--hmac-kms-key-file",
	want: "the standard base64 of a KMS CiphertextBlob",
	encs: []*base64.Encoding{base64.StdEncoding},
	check: func(blob []byte) error {
		if len(blob) == 0 {
			return errors.New("empty, want the standard base64 of a KMS CiphertextBlob")
		}
		return nil
	},
}

// readKMSKeyFile reads the base64 of a KMS CiphertextBlob from file and has
// KMS decrypt it.
func readKMSKeyFile(file string) ([]byte, error) {
	blob, err := hmacKMSKeyForm.read(file)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("--hmac-kms-key-file: loading the AWS configuration: %w", err)
	}
	key, err := kmsclient.DecryptDataKey(ctx, cfg, blob)
	if err != nil {
		return nil, fmt.Errorf("--hmac-kms-key-file %s: %w", file, err)
	}
	return key, nil
}

// listFlag is a comma-separated, repeatable list flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// operatorFlag collects repeatable type=op flags.
type operatorFlag []struct {
	typ string
	op  redact.Operator
}

func (o *operatorFlag) String() string {
	var parts []string
	for _, e := range *o {
		parts = append(parts, e.typ+"="+string(e.op))
	}
	return strings.Join(parts, ",")
}

func (o *operatorFlag) Set(v string) error {
	for s := range strings.SplitSeq(v, ",") {
		typ, op, ok := strings.Cut(strings.TrimSpace(s), "=")
		typ, op = strings.TrimSpace(typ), strings.TrimSpace(op)
		if !ok || typ == "" || op == "" {
			return fmt.Errorf("want type=operator (email=hmac, *=mask), got %q", s)
		}
		*o = append(*o, struct {
			typ string
			op  redact.Operator
		}{typ, redact.Operator(op)})
	}
	return nil
}
