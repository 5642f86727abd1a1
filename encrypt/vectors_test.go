package encrypt

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// staticKeyring decrypts every message to the same data key.
type staticKeyring struct{ key []byte }

func (s staticKeyring) OnEncrypt(context.Context, *EncryptionMaterials) error {
	return errors.New("encrypt: static keyring cannot encrypt")
}

func (s staticKeyring) OnDecrypt(_ context.Context, m *DecryptionMaterials, _ []EncryptedDataKey) error {
	m.DataKey = bytes.Clone(s.key[:m.Suite.DataKeyLength()])
	return nil
}

// TestCompatibilityVectors decrypts the message format v2 test vectors of the
// official Encryption SDK for JavaScript (modules/decrypt-node/test/
// fixtures.ts, converted to JSON) named by $ESDK_VECTORS; skipped without it.
// The JSON is {"vectors": the tests array that compatibilityVectors()
// returns, "fixtures": {function name: the base64 string it returns}}; the
// vectors are written by the JavaScript, C, Python and Java SDKs and carry
// their plaintext data keys, so a static keyring decrypts them.
func TestCompatibilityVectors(t *testing.T) {
	path := os.Getenv("ESDK_VECTORS")
	if path == "" {
		t.Skip("ESDK_VECTORS not set")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Ciphertext string            `json:"ciphertext"`
			Commitment string            `json:"commitment"`
			CEK        string            `json:"content-encryption-key"`
			DEK        string            `json:"decrypted-dek"`
			MessageID  string            `json:"message-id"`
			Context    map[string]string `json:"encryption-context"`
			Frames     []string          `json:"plaintext-frames"`
			PlaintextB string            `json:"plaintextBase64"`
			Status     bool              `json:"status"`
			Comment    string            `json:"comment"`
		} `json:"vectors"`
		Fixtures map[string]string `json:"fixtures"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	b64 := func(s string) []byte {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, v := range file.Vectors {
		msg, dek := b64(v.Ciphertext), b64(v.DEK)
		// Some vectors are non-framed 0x0478/0x0578 messages (C, Java and
		// Python wrote them), which only WithLegacyDecrypt reads.
		e, err := New(WithKeyring(staticKeyring{dek}), WithMaxEncryptedDataKeys(100), WithLegacyDecrypt())
		if err != nil {
			t.Fatal(err)
		}
		if v.Status && v.Commitment != "" {
			key, commit, err := deriveKey(lookupSuite(Suite(msg[1])<<8|Suite(msg[2])), dek, b64(v.MessageID))
			if err != nil || !bytes.Equal(commit, b64(v.Commitment)) || v.CEK != "" && !bytes.Equal(key, b64(v.CEK)) {
				t.Errorf("%s: derived keys differ", v.Comment)
			}
		}
		pt, ec, err := e.Decrypt(ctxBG, msg, nil)
		var buf bytes.Buffer
		_, errStream := e.DecryptStream(ctxBG, &buf, bytes.NewReader(msg), nil)
		if !v.Status {
			if !errors.Is(err, ErrDecrypt) || !errors.Is(errStream, ErrDecrypt) {
				t.Errorf("%s: got %v / %v, want ErrDecrypt", v.Comment, err, errStream)
			}
			continue
		}
		if err != nil || errStream != nil {
			t.Errorf("%s: %v / %v", v.Comment, err, errStream)
			continue
		}
		var want []byte
		for _, f := range v.Frames {
			want = append(want, f...)
		}
		if v.PlaintextB != "" {
			want = b64(v.PlaintextB)
		}
		if (want != nil || len(pt) > 0) && !bytes.Equal(pt, want) || !bytes.Equal(buf.Bytes(), pt) {
			t.Errorf("%s: plaintext %q, want %q", v.Comment, pt, want)
		}
		if len(ec) != len(v.Context) {
			t.Errorf("%s: context %v, want %v", v.Comment, ec, v.Context)
		}
		for k, val := range v.Context {
			if ec[k] != val {
				t.Errorf("%s: context %v, want %v", v.Comment, ec, v.Context)
			}
		}
	}
	// Version-1 fixtures, data key all zeros.
	legacy, _ := New(WithKeyring(staticKeyring{make([]byte, 32)}), WithLegacyDecrypt())
	for name, ok := range map[string]bool{
		"base64CiphertextAlgAes256GcmIv12Tag16HkdfSha384EcdsaP384":            true,
		"invalidSignatureCiphertextAlgAes256GcmIv12Tag16HkdfSha384EcdsaP384":  false,
		"base64CiphertextAlgAes256GcmIv12Tag16HkdfWith4Frames":                true,
		"base64CiphertextAlgAes256GcmIv12Tag16HkdfSha384EcdsaP384With4Frames": true,
		"base64Ciphertext4BytesWith4KFrameLength":                             true,
		"frameSequenceOutOfOrder":                                             false,
		"twoEdksMessage":                                                      true,
	} {
		s, found := file.Fixtures[name]
		if !found {
			t.Errorf("fixture %s missing", name)
			continue
		}
		msg, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Logf("%s: not one base64 string (%v), skipped", name, err)
			continue
		}
		pt, _, err := legacy.Decrypt(ctxBG, msg, nil)
		if (err == nil) != ok {
			t.Errorf("%s: got %v, want success %v", name, err, ok)
		}
		if name == "base64CiphertextAlgAes256GcmIv12Tag16HkdfSha384EcdsaP384" && err == nil && !bytes.Equal(pt, b64(file.Fixtures["base64Plaintext"])) {
			t.Errorf("%s: plaintext differs", name)
		}
	}
}
