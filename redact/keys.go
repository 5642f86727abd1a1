package redact

import "bytes"

// Key rules: what the name of a key (JSON member, logfmt key, header, query
// parameter, Go struct field) says about the value under it.

// maxKeyLen bounds the part of a key that is looked at (its end: the head
// noun of a compound key comes last).
const maxKeyLen = 64

// Context flags passed from a container to its members.
const (
	ctxNonPerson uint8 = 1 << iota // the container's "name" is not a person's (bucket, queue, headers ...)
	ctxAddress                     // inside a structured address
	ctxName                        // inside a structured name
)

// normalizeKey lower-cases a key and drops the separators - _ . and space.
func normalizeKey(k string) string {
	var buf [maxKeyLen]byte
	if len(k) > maxKeyLen {
		return string(appendNormKey(nil, []byte(k)))
	}
	return string(appendNormKey(buf[:0], []byte(k)))
}

// appendNormKey appends k lower-cased without the separators - _ . and space.
func appendNormKey(dst, k []byte) []byte {
	for _, c := range k {
		switch {
		case c == '-' || c == '_' || c == '.' || c == ' ':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// keyWords is a key lower-cased with every separator dropped, and where its
// words (from separators, camelCase and digits) start.
type keyWords struct {
	n      [maxKeyLen]byte
	ln     int
	starts uint64 // bit i: a word starts at n[i]
}

func (w *keyWords) b() []byte { return w.n[:w.ln] }

// wordEnd returns where the word that holds position i ends.
func (w *keyWords) wordEnd(i int) int {
	for j := i + 1; j < w.ln; j++ {
		if w.starts&(1<<uint(j)) != 0 {
			return j
		}
	}
	return w.ln
}

func isUpperByte(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLowerByte(c byte) bool { return 'a' <= c && c <= 'z' || c >= 0x80 }
func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

// segment fills w from key: only what follows its last '/' or ':' (SAML
// claim URIs, custom:attr), and at most its last maxKeyLen bytes.
func segment(key []byte, w *keyWords) {
	if i := bytes.LastIndexAny(key, "/:"); i >= 0 && i+1 < len(key) {
		key = key[i+1:]
	}
	if len(key) > maxKeyLen {
		key = key[len(key)-maxKeyLen:]
	}
	w.ln, w.starts = 0, 0
	sep := true
	var prev byte // 0 none, 'l' lower, 'u' upper, 'd' digit
	for i := 0; i < len(key); i++ {
		c := key[i]
		var cl byte
		switch {
		case isUpperByte(c):
			cl = 'u'
		case isDigitByte(c):
			cl = 'd'
		case isLowerByte(c):
			cl = 'l'
		default:
			sep = true
			continue
		}
		start := sep || w.ln == 0 ||
			(cl == 'u' && prev != 'u') ||
			(cl == 'd') != (prev == 'd') ||
			(cl == 'u' && prev == 'u' && i+1 < len(key) && isLowerByte(key[i+1]) && key[i+1] < 0x80)
		if start {
			w.starts |= 1 << uint(w.ln)
		}
		if cl == 'u' {
			c += 'a' - 'A'
		}
		w.n[w.ln] = c
		w.ln++
		sep, prev = false, cl
	}
}

// Words after a sensitive word that make the key metadata.
var secretSuffixExceptions = []string{"id", "ids", "arn", "arns", "name", "names", "type", "types", "use", "expires", "expiry", "expiration", "at", "url", "uri", "status", "count", "version", "versions", "length", "ttl"}

// Words before a sensitive word that make it a protocol token.
var secretPrefixExceptions = []string{"request", "rotation", "lifecycle", "action", "result", "output", "continuation", "next", "page", "receipt"}

// Keys that hold secrets though no sensitive word says so.
var secretKeys = map[string]bool{"usageidentifierkey": true, "challengeanswer": true, "privatekey": true, "xapikey": true}

// Substrings of a key that scan reports.
const (
	subSSN   = 1 << iota // socialsecurity
	subDOB               // birthdate, dateofbirth, birthday
	subPhone             // phone, mobile
)

// scan applies the sensitive-key rule to w, and reports the substrings of
// the other classes it saw on the way, in one pass.
func (w *keyWords) scan() (secret bool, subs uint8) {
	n := w.b()
	if secretKeys[string(n)] {
		return true, 0
	}
	for i := 0; i < len(n); i++ {
		var cands []string
		switch n[i] {
		case 'p':
			if bytes.HasPrefix(n[i:], []byte("phone")) {
				subs |= subPhone
			}
			cands = secretWordsP
		case 's':
			if bytes.HasPrefix(n[i:], []byte("socialsecurity")) {
				subs |= subSSN
			}
			cands = secretWordsS
		case 't':
			cands = secretWordsT
		case 'a':
			cands = secretWordsA
		case 'c':
			cands = secretWordsC
		case 'b':
			if bytes.HasPrefix(n[i:], []byte("birthdate")) || bytes.HasPrefix(n[i:], []byte("birthday")) {
				subs |= subDOB
			}
			continue
		case 'd':
			if bytes.HasPrefix(n[i:], []byte("dateofbirth")) {
				subs |= subDOB
			}
			continue
		case 'm':
			if bytes.HasPrefix(n[i:], []byte("mobile")) {
				subs |= subPhone
			}
			continue
		default:
			continue
		}
		for _, sw := range cands {
			if !bytes.HasPrefix(n[i:], []byte(sw)) {
				continue
			}
			e := i + len(sw)
			if e < w.ln && n[e] == 's' && (e+1 == w.ln || w.starts&(1<<uint(e+1)) != 0) {
				e++
			}
			if sw == "pin" {
				// A word of its own: securityPin, pin_code; not shipping, pinpoint.
				if w.starts&(1<<uint(i)) == 0 || e < w.ln && w.starts&(1<<uint(e)) == 0 {
					continue
				}
			}
			if !secretException(w, i, e) {
				return true, subs
			}
			i = e - 1
			break
		}
	}
	return false, subs
}

// secretWords by first letter.
var (
	secretWordsP = []string{"password", "passwd", "passcode", "passphrase", "pwd", "pin"}
	secretWordsS = []string{"secret"}
	secretWordsT = []string{"token"}
	secretWordsA = []string{"apikey", "authorization"}
	secretWordsC = []string{"cookie", "cvv", "cvc"}
)

func secretException(w *keyWords, i, e int) bool {
	n := w.b()
	for _, p := range secretPrefixExceptions {
		if bytes.Contains(n[:i], []byte(p)) {
			return true
		}
	}
	if e >= w.ln {
		return false
	}
	if w.starts&(1<<uint(e)) == 0 {
		// The sensitive word runs on inside a word (tokentype): look at the rest.
		we := w.wordEnd(e)
		rest := n[e:we]
		for _, x := range secretSuffixExceptions {
			if string(rest) == x || bytes.HasSuffix(rest, []byte(x)) || len(x) > 2 && bytes.HasPrefix(rest, []byte(x)) {
				return true
			}
		}
		e = we
	}
	for k := e; k < w.ln; {
		ke := w.wordEnd(k)
		for _, x := range secretSuffixExceptions {
			if string(n[k:ke]) == x {
				return true
			}
		}
		k = ke
	}
	return false
}

// Qualifiers that make "...name" a person's name.
var personNamePrefixes = []string{"first", "last", "given", "family", "middle", "full", "display", "user", "customer", "cardholder", "holder", "legal", "beneficiary", "contact", "billing", "shipping", "recipient", "sender", "patient", "employee", "person", "preferred", "maiden", "nick", "owner", "member", "guardian", "parent", "payer", "payee", "real", "client", "applicant", "passenger", "guest", "traveler", "traveller", "driver", "buyer", "subscriber", "sur", "fore", "birth", "father", "mother", "spouse", "emergency", "account", "your", "my"}

// Prefixes of "...address" that are not street addresses.
var nonStreetAddress = []string{"ip", "email", "mail", "mac", "remote", "server", "host", "source", "web", "wallet", "contract", "hardware", "local", "peer", "bind", "listen", "proxy", "client", "forwarded", "network", "broadcast", "gateway", "dns", "public", "private", "node", "endpoint", "destination", "target", "memory", "base", "return", "sender", "recipient", "reply", "from", "to", "cc", "bcc", "v4", "v6", "ipv4", "ipv6"}

// classifyKey applies the key rules to key; extra holds the normalised
// names of Config.SensitiveKeys.
func classifyKey(key []byte, extra map[string]bool) keyClass {
	return classifyKeyIn(key, extra, 0)
}

// classifyKeyIn is classifyKey for a key inside a container with context
// flags ctx.
func classifyKeyIn(key []byte, extra map[string]bool, ctx uint8) keyClass {
	if len(key) == 0 {
		return keyNone
	}
	if len(extra) > 0 && len(key) <= maxKeyLen {
		var buf [maxKeyLen]byte
		if extra[string(appendNormKey(buf[:0], key))] {
			return keySecret
		}
	}
	var w keyWords
	segment(key, &w)
	if w.ln == 0 {
		return keyNone
	}
	n := w.b()
	secret, subs := w.scan()
	if secret {
		return keySecret
	}
	// Whole words: ssn, dob, tel ...
	var ssnWord, dobWord, telWord bool
	for i := 0; i < w.ln; {
		e := w.wordEnd(i)
		switch string(n[i:e]) {
		case "ssn", "ssns":
			ssnWord = true
		case "dob":
			dobWord = true
		case "tel", "fax", "msisdn", "cell":
			telWord = true
		}
		i = e
	}
	// Social security numbers.
	if ssnWord || bytes.HasSuffix(n, []byte("ssn")) || subs&subSSN != 0 {
		return keySSN
	}
	// Dates of birth.
	if dobWord || subs&subDOB != 0 || bytes.HasSuffix(n, []byte("dob")) {
		return keyDOB
	}
	// Phone numbers.
	if telWord || subs&subPhone != 0 {
		return keyPhone
	}
	// Cards.
	switch string(n) {
	case "card", "cardnumber", "cardno", "pan", "ccnumber", "creditcard", "creditcardnumber", "primaryaccountnumber", "cc":
		return keyCard
	}
	if bytes.HasSuffix(n, []byte("cardnumber")) {
		return keyCard
	}
	// Names.
	if ctx&ctxName != 0 {
		switch string(n) {
		case "first", "last", "given", "family", "middle", "full", "display", "formatted", "value":
			return keyName
		}
	}
	if bytes.HasSuffix(n, []byte("name")) || bytes.HasSuffix(n, []byte("names")) {
		p := bytes.TrimSuffix(bytes.TrimSuffix(n, []byte("s")), []byte("name"))
		if len(p) == 0 {
			if ctx&ctxNonPerson != 0 {
				return keyNone
			}
			return keyName
		}
		if string(n) == "username" && !bytes.ContainsAny(key, ". ") {
			return keyNone // a login (userName), unlike a logged user.name
		}
		for _, x := range personNamePrefixes {
			if bytes.HasSuffix(p, []byte(x)) {
				return keyName
			}
		}
	}
	switch string(n) {
	case "surname", "forename", "cardholder", "accountholder", "fullname":
		return keyName
	}
	// Street addresses.
	if ctx&ctxAddress != 0 {
		switch string(n) {
		case "formatted", "street", "line", "value":
			return keyAddress
		}
	}
	if bytes.HasPrefix(n, []byte("line")) && len(n) == 5 && isDigitByte(n[4]) ||
		bytes.HasPrefix(n, []byte("addressline")) || bytes.HasPrefix(n, []byte("streetline")) ||
		bytes.HasSuffix(n, []byte("street")) || bytes.HasSuffix(n, []byte("streetaddress")) ||
		string(n) == "address1" || string(n) == "address2" || string(n) == "streetname" {
		return keyAddress
	}
	if bytes.HasSuffix(n, []byte("address")) || bytes.HasSuffix(n, []byte("addresses")) {
		p := bytes.TrimSuffix(bytes.TrimSuffix(n, []byte("es")), []byte("address"))
		for _, x := range nonStreetAddress {
			if bytes.HasSuffix(p, []byte(x)) {
				return keyNone
			}
		}
		return keyAddress
	}
	return keyNone
}

// nonPersonContainer reports whether a plain "name" inside the container
// under key names something other than a person.
func nonPersonContainer(key []byte) bool {
	if len(key) > maxKeyLen {
		return false
	}
	var buf [maxKeyLen]byte
	n := appendNormKey(buf[:0], key)
	for i, c := range n {
		if 'A' <= c && c <= 'Z' {
			n[i] = c + 'a' - 'A'
		}
	}
	switch string(n) {
	case "bucket", "queue", "intent", "currentintent", "intents", "headers", "header", "commonheaders",
		"attributes", "slots", "slot", "function", "table", "stream", "topic", "environmentvariables",
		"environment", "variables", "artifacts", "inputartifacts", "outputartifacts", "artifact", "tags",
		"dimensions", "resources", "metrics", "layers", "parameters", "fields", "action", "actions", "stage",
		"stages", "service", "cluster", "repository", "bot", "pipeline", "job", "tasks", "containers",
		"container", "s3", "alarm", "trigger", "interpretations", "recentintentsummaryview", "proposedintent",
		"alternativeintents", "dialogaction", "sessionstate", "deadletterqueue", "product", "vendor", "feature",
		"application", "app", "device", "host", "resource", "extension", "category", "class", "schema", "profile", "writer":
		return true
	}
	return false
}

// isWrapperKey reports whether key only wraps a value (DynamoDB types, SQS
// and SNS message attributes), so that it inherits its container's class.
func isWrapperKey(key []byte) bool {
	switch string(key) {
	case "S", "N", "SS", "NS", "L", "M", "B", "BS", "stringValue", "StringValue", "Value", "value", "values",
		"Values", "stringListValues", "StringListValues", "numberValue", "originalValue", "interpretedValue",
		"resolutions", "resolvedValues":
		return true
	}
	return false
}
