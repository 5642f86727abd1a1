package encrypt_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/lambda-compliance/compliance/encrypt"
)

// A raw AES keyring (for tests and local development; use KMSKeyring in
// production) encrypts a message that any Encryption SDK can decrypt with the
// same key, namespace and name.
func Example() {
	key := bytes.Repeat([]byte{7}, 32) // load a real key from a secret store
	kr, err := encrypt.RawAESKeyring("my-namespace", "my-key", key)
	if err != nil {
		log.Fatal(err)
	}
	e, err := encrypt.New(encrypt.WithKeyring(kr))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	msg, err := e.Encrypt(ctx, []byte("4111 1111 1111 1111"), map[string]string{"tenant": "acme"})
	if err != nil {
		log.Fatal(err)
	}
	plaintext, ec, err := e.Decrypt(ctx, msg, map[string]string{"tenant": "acme"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %v\n", plaintext, ec)
	// Output: 4111 1111 1111 1111 map[tenant:acme]
}

// Streams of unknown length are encrypted a frame at a time.
func ExampleEncryptor_EncryptStream() {
	kr, _ := encrypt.RawAESKeyring("my-namespace", "my-key", bytes.Repeat([]byte{7}, 32))
	e, _ := encrypt.New(encrypt.WithKeyring(kr), encrypt.WithFrameLength(1024))
	ctx := context.Background()
	var msg, out bytes.Buffer
	if err := e.EncryptStream(ctx, &msg, bytes.NewReader(make([]byte, 10000)), nil); err != nil {
		log.Fatal(err)
	}
	if _, err := e.DecryptStream(ctx, &out, &msg, nil); err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.Len())
	// Output: 10000
}

// A modified message is refused with ErrDecrypt and nothing of its plaintext.
func ExampleErrDecrypt() {
	kr, _ := encrypt.RawAESKeyring("my-namespace", "my-key", bytes.Repeat([]byte{7}, 32))
	e, _ := encrypt.New(encrypt.WithKeyring(kr))
	ctx := context.Background()
	msg, _ := e.Encrypt(ctx, []byte("secret"), nil)
	msg[len(msg)-1] ^= 1
	_, _, err := e.Decrypt(ctx, msg, nil)
	fmt.Println(err)
	// Output: encrypt: message cannot be decrypted
}
