package encrypt

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzDecrypt feeds arbitrary messages to Decrypt and DecryptStream: neither
// may panic, both must agree, and whatever decrypts must round-trip.
func FuzzDecrypt(f *testing.F) {
	seeds := map[Suite]*Encryptor{
		SuiteCommit:       newTestEncryptor(f, WithFrameLength(16), WithLegacyDecrypt()),
		SuiteCommitSigned: newTestEncryptor(f, WithSuite(SuiteCommitSigned), WithFrameLength(16), WithLegacyDecrypt()),
	}
	for _, e := range seeds {
		for _, pt := range []string{"", "fuzz", "a longer plaintext over three frames of 16 bytes"} {
			msg, err := e.Encrypt(ctxBG, []byte(pt), map[string]string{"k": "v"})
			if err != nil {
				f.Fatal(err)
			}
			f.Add(msg)
		}
	}
	f.Add(v1Message(f, 0x0178, 16, []byte("legacy framed"), nil))
	f.Add(v1Message(f, 0x0078, 0, []byte("legacy single block"), nil))
	f.Add(v1Message(f, 0x0214, 16, []byte("legacy signed"), nil))
	e := seeds[SuiteCommit]
	f.Fuzz(func(t *testing.T, msg []byte) {
		pt, ec, err := e.Decrypt(ctxBG, msg, nil)
		var buf bytes.Buffer
		ec2, err2 := e.DecryptStream(ctxBG, &buf, bytes.NewReader(msg), nil)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("Decrypt: %v, DecryptStream: %v", err, err2)
		}
		if err != nil {
			if pt != nil || ec != nil {
				t.Fatal("output on error")
			}
			var fe *FormatError
			var le *LimitError
			var pe *PolicyError
			if !errors.Is(err, ErrDecrypt) && !errors.As(err, &fe) && !errors.As(err, &le) && !errors.As(err, &pe) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if !bytes.Equal(pt, buf.Bytes()) || len(ec) != len(ec2) {
			t.Fatal("Decrypt and DecryptStream differ")
		}
		delete(ec, publicKeyField)
		again, err := e.Encrypt(ctxBG, pt, ec)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, err := e.Decrypt(ctxBG, again, ec); err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzContext checks that parsing a serialized encryption context never
// panics and that a parsed context serializes back to the same bytes when
// sorted.
func FuzzContext(f *testing.F) {
	b, _ := serializeContext(map[string]string{"a": "1", "b": "2"})
	f.Add(b)
	f.Add([]byte{0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, aad []byte) {
		if len(aad) > 0xFFFF {
			return
		}
		msg := append([]byte{byte(len(aad) >> 8), byte(len(aad))}, aad...)
		for _, r := range []io.Reader{nil, bytes.NewReader(msg)} {
			p := &parser{buf: msg, r: r}
			if r != nil {
				p.buf = nil
			}
			h := &header{}
			if err := p.readContext(h); err != nil {
				return
			}
			again, err := serializeContext(h.context)
			if err != nil {
				t.Fatal(err)
			}
			if len(again) != len(aad) && !(len(h.context) == 0 && len(aad) == 2) {
				t.Fatalf("serialized length %d, parsed from %d", len(again), len(aad))
			}
		}
	})
}

// FuzzPublicKey checks that parsing the context's public key never panics
// and that what parses re-encodes to the same string.
func FuzzPublicKey(f *testing.F) {
	_, pub, _ := newSigningKey(lookupSuite(SuiteCommitSigned).curve)
	f.Add(pub)
	f.Add("AsG8gG9InLPu16YKlqXTOD+nykG8YqHAhqecj8aXfD2e5B4gtVE73dZkyClA+rAMOQ==")
	f.Fuzz(func(t *testing.T, s string) {
		for _, suite := range []Suite{SuiteCommitSigned, 0x0214} {
			k, err := parsePublicKey(lookupSuite(suite).curve, s)
			if err != nil {
				continue
			}
			again, err := compressPublicKey(k)
			if err != nil || again != s {
				t.Fatalf("re-encoded %q as %q (%v)", s, again, err)
			}
		}
	})
}
