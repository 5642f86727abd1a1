package redact

import "testing"

func TestFindCards(t *testing.T) {
	runDetect(t, findCards, TypeCreditCard, []detectCase{
		{in: "charging card 4111111111111111 (exp 09/25)", want: []string{"4111111111111111"}},
		{in: `\"number\": \"4202 1354 6552 9370\"`, want: []string{"4202 1354 6552 9370"}},
		{in: "card=5411-8857-9438-2313 x", want: []string{"5411-8857-9438-2313"}},
		{in: "amex 3473-134689-23429.", want: []string{"3473-134689-23429"}},
		{in: "amex 378282246310005", want: []string{"378282246310005"}},
		{in: "mc2 2221000000000009 discover 6011111111111117", want: []string{"2221000000000009", "6011111111111117"}},
		{in: `"card":4242424242424242}`, want: []string{"4242424242424242"}},
		// hard negatives and near misses
		{in: "order 4111111111111112 fails Luhn", want: nil},
		{in: "mixed 4202 1354-6552 9370", want: nil},
		{in: "seq 111100000000000000000123456789 kinesis 49590338271490256608559692538361571095921575989136588898", want: nil},
		{in: "ts 1746055059075 acct 311533458384", want: nil},
		{in: "hex a4111111111111111 and 4111111111111111b and 0x4111111111111111", want: nil},
		{in: "uuid 4111-1111-1111-1111-111111111111", want: nil},
		{in: "prefix 9111111111111110 unknown issuer", want: nil},
	})
}

func TestFindCVVsExpiries(t *testing.T) {
	runDetect(t, findCVVs, TypeCardCVV, []detectCase{
		{in: `"cvc": "757"`, want: []string{"757"}},
		{in: "CVV2=1234 ok", want: []string{"1234"}},
		{in: "security code: 042", want: []string{"042"}},
		{in: "123", key: keyCard, want: []string{"123"}},
		{in: "attempt 123 of 999", want: nil},
		{in: `"cvc": "75700"`, want: nil},
	})
	runDetect(t, findExpiries, TypeCardExpiry, []detectCase{
		{in: "(exp 09/25)", want: []string{"09/25"}},
		{in: `"expiry":"11/2027"`, want: []string{"11/2027"}},
		{in: "exp 13/25", want: nil},
		{in: "on 09/25/2024", want: nil},
	})
}

// TestAppendDigitRuns checks the word-at-a-time runs against a plain loop,
// over texts that put runs across word boundaries and bytes past 0x7f.
func TestAppendDigitRuns(t *testing.T) {
	naive := func(s []byte) (rs []digitRun) {
		for i := 0; i < len(s); {
			if class[s[i]]&cDigit == 0 {
				i++
				continue
			}
			e := digitRunEnd(s, i)
			rs = append(rs, digitRun{int32(i), int32(e)})
			i = e
		}
		return rs
	}
	alphabet := []byte("0123456789a:/ \xb0\xb9\xff")
	rng := uint64(1)
	for n := range 2000 {
		s := make([]byte, n%67)
		for i := range s {
			rng = rng*6364136223846793005 + 1442695040888963407
			s[i] = alphabet[(rng>>33)%uint64(len(alphabet))]
		}
		got, want := appendDigitRuns(nil, s), naive(s)
		if len(got) != len(want) {
			t.Fatalf("%q: got %v, want %v", s, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%q: got %v, want %v", s, got, want)
			}
		}
	}
}
