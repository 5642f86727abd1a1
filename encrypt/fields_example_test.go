package encrypt_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/lambda-compliance/compliance/encrypt"
)

// EncryptFields replaces only the selected values, each by the base64 of a
// message of its own; the rest of the document is left byte for byte.
// DecryptFields puts the values back, of their original types.
func ExampleEncryptor_EncryptFields() {
	kr, err := encrypt.RawAESKeyring("my-namespace", "my-key", bytes.Repeat([]byte{7}, 32))
	if err != nil {
		log.Fatal(err)
	}
	e, err := encrypt.New(encrypt.WithKeyring(kr))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	doc := []byte(`{"id":9007199254740993,"users":[{"email":"alice@example.com","age":42}]}`)
	paths := []string{"$.users[*].email", "$.users[*].age"}
	enc, err := e.EncryptFields(ctx, doc, paths, map[string]string{"tenant": "acme"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(bytes.HasPrefix(enc, []byte(`{"id":9007199254740993,"users":[{"email":"AgR4`)))
	dec, err := e.DecryptFields(ctx, enc, paths, map[string]string{"tenant": "acme"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", dec)
	// Output:
	// true
	// {"id":9007199254740993,"users":[{"email":"alice@example.com","age":42}]}
}
