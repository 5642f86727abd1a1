package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyFileForms(t *testing.T) {
	key32 := bytes.Repeat([]byte{0xfb}, 32)
	key40 := bytes.Repeat([]byte{0xff}, 40)
	std := base64.StdEncoding.EncodeToString
	rawURL := base64.RawURLEncoding.EncodeToString
	const missing = "\x00missing" // no file is written
	tests := []struct {
		name    string
		form    keyFileForm
		content string
		want    []byte // the key, if no error
		wantErr string
	}{
		{"hmac std", hmacKeyForm, std(key32) + "\n", key32, ""},
		{"hmac raw url", hmacKeyForm, " " + rawURL(key40) + "\r\n", key40, ""},
		{"hmac not base64", hmacKeyForm, "s3cret-not-base64!\n", nil, "not base64 (want the base64 of at least 32 random bytes"},
		{"hmac too short", hmacKeyForm, std(key32[:16]), nil, "the key is 16 bytes, want at least 32"},
		{"hmac empty", hmacKeyForm, "\n", nil, "the key is 0 bytes, want at least 32"},
		{"hmac missing", hmacKeyForm, missing, nil, "--hmac-key-file: open "},

		{"kms blob", hmacKMSKeyForm, std([]byte("ciphertext blob")) + "\n", []byte("ciphertext blob"), ""},
		{"kms url alphabet", hmacKMSKeyForm, rawURL(key40), nil, "not base64 (want the standard base64 of a KMS CiphertextBlob)"},
		{"kms not base64", hmacKMSKeyForm, "s3cret-not-base64!", nil, "not base64"},
		{"kms empty", hmacKMSKeyForm, "", nil, "empty, want the standard base64 of a KMS CiphertextBlob"},
		{"kms missing", hmacKMSKeyForm, missing, nil, "--hmac-kms-key-file: open "},

		{"aes", rawAESKeyForm, "\n " + std(key32) + " \n", key32, ""},
		{"aes url alphabet", rawAESKeyForm, base64.URLEncoding.EncodeToString(key32), nil, "not base64 (want the base64 of 32 random bytes"},
		{"aes not base64", rawAESKeyForm, "s3cret-not-base64!", nil, "not base64"},
		{"aes too short", rawAESKeyForm, std(key32[:31]), nil, "the key is 31 bytes, want 32"},
		{"aes too long", rawAESKeyForm, std(key40), nil, "the key is 40 bytes, want 32"},
		{"aes empty", rawAESKeyForm, "", nil, "the key is 0 bytes, want 32"},
		{"aes missing", rawAESKeyForm, missing, nil, "--raw-aes-key-file: open "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var file string
			if tt.content == missing {
				file = filepath.Join(t.TempDir(), "missing.b64")
			} else {
				file = writeFile(t, "key.b64", tt.content)
			}
			got, err := tt.form.read(file)
			if tt.wantErr == "" {
				if err != nil || !bytes.Equal(got, tt.want) {
					t.Fatalf("read = %x, %v; want %x", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("read = %x, no error; want an error with %q", got, tt.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantErr) || !strings.HasPrefix(msg, tt.form.flag) || !strings.Contains(msg, file) {
				t.Errorf("error %q, want one naming %s and %s, with %q", msg, tt.form.flag, file, tt.wantErr)
			}
			if text := strings.TrimSpace(tt.content); text != "" && strings.Contains(msg, text) {
				t.Errorf("error %q quotes the file's content", msg)
			}
		})
	}
}

func TestKeyFileFormClearsRejectedKey(t *testing.T) {
	var seen []byte
	form := keyFileForm{
		flag: "--test-key-file",
		want: "a key",
		encs: []*base64.Encoding{base64.StdEncoding},
		check: func(key []byte) error {
			seen = key
			return errors.New("rejected")
		},
	}
	file := writeFile(t, "key.b64", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	if _, err := form.read(file); err == nil || !strings.HasSuffix(err.Error(), ": rejected") {
		t.Fatalf("read error %v, want the check's", err)
	}
	if len(seen) != 32 || !bytes.Equal(seen, make([]byte, 32)) {
		t.Errorf("rejected key left as %x, want 32 zero bytes", seen)
	}
}
