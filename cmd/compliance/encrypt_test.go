package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lambda-compliance/compliance/encrypt"
)

var testAESKey = bytes.Repeat([]byte{0x42}, 32)

// keyFile writes the base64 of key, with a trailing newline, to a file.
func keyFile(t *testing.T, key []byte) string {
	return writeFile(t, "key.b64", base64.StdEncoding.EncodeToString(key)+"\n")
}

func rawKeyArgs(file string) []string {
	return []string{"--raw-aes-key-file", file, "--key-namespace", "test-ns", "--key-name", "test-key"}
}

func testEncryptor(t *testing.T, key []byte) *encrypt.Encryptor {
	t.Helper()
	kr, err := encrypt.RawAESKeyring("test-ns", "test-key", key)
	if err != nil {
		t.Fatal(err)
	}
	e, err := encrypt.New(encrypt.WithKeyring(kr))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEncryptDecryptCLI(t *testing.T) {
	key := rawKeyArgs(keyFile(t, testAESKey))
	plaintext := "card " + plantedCard + "\nsecond line\x00\xff"
	for _, extra := range [][]string{
		nil,
		{"--suite", "0x0578"},
		{"--frame-length", "7"},
		{"--context", "tenant=acme", "--context", "purpose=a=b"},
	} {
		args := append(append([]string{"encrypt"}, key...), extra...)
		status, out, errOut := cli(t, plaintext, args...)
		if status != exitOK || errOut != "" {
			t.Fatalf("%q: status %d, stderr %q", args, status, errOut)
		}
		if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "A") {
			t.Fatalf("%q: output %q is not one base64 line", args, out)
		}
		msg, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out))
		if err != nil {
			t.Fatal(err)
		}
		// The library decrypts what the CLI wrote.
		pt, ec, err := testEncryptor(t, testAESKey).Decrypt(context.Background(), msg, nil)
		if err != nil || string(pt) != plaintext {
			t.Fatalf("%q: library decrypt: %q, %v", args, pt, err)
		}
		if len(extra) > 0 && extra[0] == "--suite" && msg[1] != 0x05 {
			t.Errorf("--suite 0x0578 wrote suite %02x%02x", msg[1], msg[2])
		}
		if len(extra) > 0 && extra[0] == "--context" && (ec["tenant"] != "acme" || ec["purpose"] != "a=b") {
			t.Errorf("context %v, want tenant=acme purpose=a=b", ec)
		}
		var required []string
		if len(extra) > 0 && extra[0] == "--context" {
			required = []string{"--context", "tenant=acme"}
		}
		// The CLI decrypts base64, with or without the newline, wrapped, and binary.
		wrapped := strings.TrimSpace(out)
		var w strings.Builder
		for len(wrapped) > 76 {
			w.WriteString(wrapped[:76] + "\r\n")
			wrapped = wrapped[76:]
		}
		w.WriteString(wrapped + "\n\n")
		for name, in := range map[string]string{"base64": out, "no newline": strings.TrimSpace(out), "wrapped": w.String(), "binary": string(msg)} {
			args := append(append([]string{"decrypt"}, key...), required...)
			status, got, errOut := cli(t, in, args...)
			if status != exitOK || got != plaintext || errOut != "" {
				t.Errorf("%q decrypt of %s: status %d, stdout %q, stderr %q", extra, name, status, got, errOut)
			}
		}
	}
}

func TestDecryptLibraryMessageCLI(t *testing.T) {
	msg, err := testEncryptor(t, testAESKey).Encrypt(context.Background(), []byte("from the library"), map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"decrypt", "--context", "k=v"}, rawKeyArgs(keyFile(t, testAESKey))...)
	status, out, errOut := cli(t, base64.StdEncoding.EncodeToString(msg), args...)
	if status != exitOK || out != "from the library" {
		t.Errorf("status %d, stdout %q, stderr %q", status, out, errOut)
	}
}

func TestEncryptDecryptCLIFailures(t *testing.T) {
	good := keyFile(t, testAESKey)
	_, msgB64, _ := cli(t, "top secret", append([]string{"encrypt", "--context", "tenant=acme"}, rawKeyArgs(good)...)...)
	if msgB64 == "" {
		t.Fatal("encrypt failed")
	}
	msg, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(msgB64))
	tampered := bytes.Clone(msg)
	tampered[len(tampered)-1] ^= 1
	notB64 := writeFile(t, "bad.b64", "not base64 at all!\n")
	short := keyFile(t, make([]byte, 16))
	tests := []struct {
		name    string
		stdin   string
		args    []string
		status  int
		wantErr string
	}{
		{"no key", "x", []string{"encrypt"}, exitUsage, "give a key"},
		{"both keys", "x", append([]string{"encrypt", "--kms-key-id", "arn:aws:kms:us-east-1:111122223333:key/k"}, rawKeyArgs(good)...), exitUsage, "not both"},
		{"no namespace", "x", []string{"encrypt", "--raw-aes-key-file", good, "--key-name", "n"}, exitUsage, "needs --key-namespace and --key-name"},
		{"no name", "x", []string{"decrypt", "--raw-aes-key-file", good, "--key-namespace", "n"}, exitUsage, "needs --key-namespace and --key-name"},
		{"namespace with kms", "x", []string{"encrypt", "--kms-key-id", "arn:aws:kms:us-east-1:111122223333:key/k", "--key-namespace", "n"}, exitUsage, "go with --raw-aes-key-file"},
		{"key file missing", "x", append([]string{"encrypt"}, rawKeyArgs("/nonexistent/key")...), exitUsage, "--raw-aes-key-file"},
		{"key file not base64", "x", append([]string{"encrypt"}, rawKeyArgs(notB64)...), exitUsage, "not base64"},
		{"key file wrong length", "x", append([]string{"encrypt"}, rawKeyArgs(short)...), exitUsage, "the key is 16 bytes, want 32"},
		{"bad suite", "x", append([]string{"encrypt", "--suite", "0x0178"}, rawKeyArgs(good)...), exitUsage, "--suite"},
		{"bad frame length", "x", append([]string{"encrypt", "--frame-length", "0"}, rawKeyArgs(good)...), exitUsage, "--frame-length"},
		{"huge frame length", "x", append([]string{"encrypt", "--frame-length", "99999999999"}, rawKeyArgs(good)...), exitUsage, "frame length"},
		{"bad context", "x", append([]string{"encrypt", "--context", "novalue"}, rawKeyArgs(good)...), exitUsage, "key=value"},
		{"suite on decrypt", msgB64, append([]string{"decrypt", "--suite", "0x0478"}, rawKeyArgs(good)...), exitUsage, "flag provided but not defined"},
		{"arguments", "x", append([]string{"encrypt", "file"}, rawKeyArgs(good)...), exitUsage, "takes no arguments"},
		{"wrong key", msgB64, append([]string{"decrypt"}, rawKeyArgs(keyFile(t, bytes.Repeat([]byte{1}, 32)))...), exitFail, "cannot be decrypted"},
		{"wrong key name", msgB64, []string{"decrypt", "--raw-aes-key-file", good, "--key-namespace", "test-ns", "--key-name", "other"}, exitFail, "cannot be decrypted"},
		{"tampered", string(tampered), append([]string{"decrypt"}, rawKeyArgs(good)...), exitFail, "cannot be decrypted"},
		{"context differs", msgB64, append([]string{"decrypt", "--context", "tenant=other"}, rawKeyArgs(good)...), exitFail, `"tenant"`},
		{"context missing", msgB64, append([]string{"decrypt", "--context", "user=x"}, rawKeyArgs(good)...), exitFail, `"user"`},
		{"not a message", "hello world", append([]string{"decrypt"}, rawKeyArgs(good)...), exitFail, "neither a binary message nor the base64"},
		{"base64 of no message", "aGVsbG8gd29ybGQ=", append([]string{"decrypt"}, rawKeyArgs(good)...), exitFail, "malformed message"},
		{"empty input", "", append([]string{"decrypt"}, rawKeyArgs(good)...), exitFail, "no message"},
		{"truncated", msgB64[:len(msgB64)/2], append([]string{"decrypt"}, rawKeyArgs(good)...), exitFail, "compliance: decrypt: "},
	}
	for _, tt := range tests {
		status, out, errOut := cli(t, tt.stdin, tt.args...)
		if status != tt.status || out != "" || !strings.HasPrefix(errOut, "compliance: ") || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("%s: status %d, stdout %q, stderr %q; want status %d, no stdout, stderr with %q", tt.name, status, out, errOut, tt.status, tt.wantErr)
		}
		if strings.Contains(errOut, "top secret") || strings.Contains(errOut, base64.StdEncoding.EncodeToString(testAESKey)) {
			t.Errorf("%s: stderr %q quotes the plaintext or the key", tt.name, errOut)
		}
	}
}

func TestEncryptFieldsCLI(t *testing.T) {
	key := rawKeyArgs(keyFile(t, testAESKey))
	in := `{"user":{"email":"` + plantedEmail + `","n":9007199254740993},"keep":1}` + "\r\n" +
		"\n" +
		`[{"email":"` + plantedEmail + `"},{"other":true}]`
	paths := []string{"--fields", "$.user.email", "--fields", "$.user.n", "--fields", "[*].email"}
	status, out, errOut := cli(t, in, append(append([]string{"encrypt", "--context", "t=1"}, key...), paths...)...)
	if status != exitOK {
		t.Fatalf("encrypt --fields: status %d, stderr %q", status, errOut)
	}
	if strings.Contains(out, plantedEmail) || strings.Contains(out, "9007199254740993") || strings.Count(out, "\n") != 2 || !strings.Contains(out, `,"keep":1}`+"\r\n\n[") {
		t.Fatalf("encrypt --fields output %q", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if line = strings.TrimSpace(line); line != "" && !json.Valid([]byte(line)) {
			t.Errorf("line %q is not JSON", line)
		}
	}
	status, dec, errOut := cli(t, out, append(append([]string{"decrypt", "--context", "t=1"}, key...), paths...)...)
	if status != exitOK || dec != in {
		t.Errorf("decrypt --fields: status %d, stdout %q, stderr %q; want %q", status, dec, errOut, in)
	}
	// One bad line fails the whole input: nothing on stdout.
	bad := out + "\n" + `{"user":{"email":"not encrypted"}}`
	status, dec, errOut = cli(t, bad, append(append([]string{"decrypt", "--context", "t=1"}, key...), paths...)...)
	if status != exitFail || dec != "" || !strings.Contains(errOut, "line 4") || strings.Contains(errOut, "not encrypted") {
		t.Errorf("decrypt --fields of a bad line: status %d, stdout %q, stderr %q", status, dec, errOut)
	}
	status, dec, errOut = cli(t, "not json\n", append(append([]string{"encrypt"}, key...), paths...)...)
	if status != exitFail || dec != "" || !strings.Contains(errOut, "line 1") || strings.Contains(errOut, "not json") {
		t.Errorf("encrypt --fields of a bad line: status %d, stdout %q, stderr %q", status, dec, errOut)
	}
}

func TestEncryptHelp(t *testing.T) {
	for _, name := range []string{"encrypt", "decrypt"} {
		status, out, _ := cli(t, "", "help", name)
		if status != exitOK || !strings.Contains(out, "--raw-aes-key-file FILE") || !strings.Contains(out, "--kms-key-id ARN") {
			t.Errorf("help %s: status %d, %q", name, status, out)
		}
	}
	_, out, _ := cli(t, "", "help")
	if !strings.Contains(out, "encrypt") || !strings.Contains(out, "decrypt") {
		t.Errorf("help lists no encrypt/decrypt: %q", out)
	}
}
