package jsonscan_test

import (
	"fmt"

	"github.com/lambda-compliance/compliance/internal/jsonscan"
)

func ExampleLookup() {
	doc := []byte(`{"Records":[{"eventSource":"aws:sqs","attributes":{"SenderId":"AIDAEXAMPLE"}}],"note":"caf\u00e9"}`)
	if err := jsonscan.Validate(doc); err != nil {
		fmt.Println(err)
		return
	}
	raw, ok := jsonscan.Lookup(doc, "Records", "0", "eventSource")
	fmt.Println(string(raw), ok)
	sender, _ := jsonscan.String(doc, "Records", "0", "attributes", "SenderId")
	note, _ := jsonscan.String(doc, "note")
	fmt.Println(sender, note)
	_, ok = jsonscan.Lookup(doc, "Records", "1")
	fmt.Println(ok)
	// Output:
	// "aws:sqs" true
	// AIDAEXAMPLE café
	// false
}

func ExampleValidate() {
	fmt.Println(jsonscan.Validate([]byte(`{"token":"s3cr3t",}`)))
	fmt.Println(jsonscan.Valid([]byte(`[1, 2.5e3, "x", null]`)))
	// Output:
	// jsonscan: object key is not a string at offset 18
	// true
}

func ExampleObjectIter() {
	it := jsonscan.NewObjectIter([]byte(`{"a": 1, "b": [true, false], "c": {"d": "e"}}`))
	for it.Next() {
		fmt.Printf("%s = %s\n", it.Key(), it.Value())
	}
	// Output:
	// a = 1
	// b = [true, false]
	// c = {"d": "e"}
}
