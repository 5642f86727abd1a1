package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/lambda-compliance/compliance/internal/jsonscan"
)

// VerifyOptions configures [Verify]. The zero value checks every chain with
// the keys its genesis record carries, and reports certified chains as
// uncertified (their certificate not checked).
type VerifyOptions struct {
	// PublicKeys are the trusted certifying keys, by KMS key ARN (see
	// [ParsePublicKey]).
	PublicKeys map[string]*ecdsa.PublicKey
	// KMS, when set, fetches the public key of a certifying key ARN that
	// PublicKeys lacks.
	KMS KMSPublicKeyGetter
	// HMACKey is the first key (k_0) of chains written in HMAC mode.
	// HMACKeyFunc, when set, is asked instead, with the chain id and the
	// key ciphertext of its genesis record (to decrypt it with KMS).
	HMACKey     []byte
	HMACKeyFunc func(ctx context.Context, chainUID string, ciphertext []byte) ([]byte, error)
	// RequestIDs are the Lambda request ids the records should cover (from
	// the platform's REPORT lines): those with no record are reported in
	// Report.MissingRequestIDs.
	RequestIDs []string
	// Workers bounds the goroutines that check records; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
}

// Problem is one finding of verification.
type Problem struct {
	Kind     Status
	Sequence int64 // the record's sequence number; -1 when the problem is not about one record
	Line     int   // input line (1-based); 0 when none
	Detail   string
}

// ChainReport is what verification found for one chain.
type ChainReport struct {
	ChainUID string
	// Status is the worst Kind among Problems (in the order of the Status
	// constants), StatusValid without problems.
	Status   Status
	Problems []Problem
	// Records counts the lines of this chain that were read.
	Records int
	// Algorithm is the chain's signature algorithm: "ES256" or "HS256".
	Algorithm string
	// Certified is true when the genesis certificate verified under a
	// trusted key; KeyARN names the certifying key.
	Certified bool
	KeyARN    string
	// Terminated is true when the chain's close record was read.
	Terminated bool
	// Missing lists the sequence numbers that no record carries (the first
	// 10,000), MissingCount counts all of them.
	Missing      []int64
	MissingCount int64
}

// Report is the result of [Verify].
type Report struct {
	Chains []ChainReport // in the order their first record appears
	// Records counts audit records read; Ignored counts lines that hold no
	// audit record (other log lines, blank lines).
	Records, Ignored int
	// MissingRequestIDs are the VerifyOptions.RequestIDs with no record;
	// DuplicateRequestIDs are request ids that more than one record
	// carries (Lambda retries an asynchronous invocation with the same id).
	MissingRequestIDs, DuplicateRequestIDs []string
}

// OK reports whether every chain is valid (certified, complete, terminated,
// untouched) and no request id lacks a record: what the CLI exits 0 on.
func (r *Report) OK() bool {
	for _, c := range r.Chains {
		if c.Status != StatusValid {
			return false
		}
	}
	return len(r.MissingRequestIDs) == 0
}

// Intact reports whether no chain shows tampering or loss: every chain is
// valid, uncertified or unterminated, and no request id lacks a record. An
// unterminated chain may still have lost its tail; an uncertified one may
// have been rewritten whole by whoever could write the log.
func (r *Report) Intact() bool {
	for _, c := range r.Chains {
		if rank(c.Status) > rank(StatusUnterminated) {
			return false
		}
	}
	return len(r.MissingRequestIDs) == 0
}

var statusOrder = []Status{StatusValid, StatusUncertified, StatusUnterminated, StatusModified,
	StatusForged, StatusDeleted, StatusReordered, StatusFork, StatusMissing}

func rank(s Status) int { return slices.Index(statusOrder, s) }

const (
	maxLine          = 1 << 20 // longer lines are ignored
	maxMissingListed = 10000
	maxHMACSteps     = 1 << 22
)

var (
	fingerprintExclude = [][]string{{"attestation", "fingerprint"}, {"attestation", "signatures"}}
	certificateExclude = [][]string{{"attestation", "fingerprint"}, {"attestation", "signatures"},
		{"unmapped", "chain", "certificate"}}
)

// genesisInfo is what a genesis record says of its chain.
type genesisInfo struct {
	alg        string
	pub        *ecdsa.PublicKey
	hmac       bool
	ciphertext []byte
	selfSigned bool
	certARN    string
	certSig    []byte
	certDigest [sha256.Size]byte
	certOK     bool // certDigest computed
}

// parsedRecord is one audit record as read.
type parsedRecord struct {
	line      int
	chain     string
	seq       int64 // -1 when unreadable
	claimed   [sha256.Size]byte
	claimedOK bool
	fpOK      bool // the recomputed fingerprint equals the claimed one
	prev      [sha256.Size]byte
	hasPrev   bool
	sig       []byte
	sigAlg    string
	class     int
	activity  int
	reqID     string
	genesis   *genesisInfo
	sigOK     bool
}

// Verify reads audit records from r and checks every chain in them. Lines
// may be records as written, CloudWatch Logs lines that carry one (a JSON
// object with a "message" string, "<timestamp> <record>", Lambda's
// "<time>\t<request id>\tINFO\t<record>"), or anything else, which is
// counted in Report.Ignored. For each chain it checks the genesis record
// and its certificate, recomputes every fingerprint from the record as read,
// checks every signature with the chain's key, the previous-event links and
// the sequence, and reports modified, forged, deleted, reordered, forked and
// unterminated chains (see [Status]). Records are checked on all cores.
//
// A certified chain is StatusValid only when its certificate verifies under
// one of opts.PublicKeys, or a key fetched with opts.KMS; otherwise it is
// StatusUncertified with a problem saying why (self-signed, key unknown).
// An HMAC-mode chain without its key is StatusUncertified too: its
// fingerprints and links are checked, its signatures are not.
//
// The error is a [*VerifyError] when r fails, ctx's error when it is done, a
// [*KMSError] when a public key cannot be fetched.
func Verify(ctx context.Context, r io.Reader, opts VerifyOptions) (*Report, error) {
	lines, ignored, err := readLines(r)
	if err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	recs := make([]parsedRecord, len(lines))
	isRec := make([]bool, len(lines))
	err = parallel(ctx, workers, len(lines), func() func(i int) {
		var p canonParser
		var buf []byte
		var top [numTop][]byte
		return func(i int) {
			rec := extractRecord(lines[i].text, 2, &top)
			if rec == nil {
				return
			}
			isRec[i] = parseRecord(&p, &buf, rec, &top, &recs[i])
			recs[i].line = lines[i].n
		}
	})
	if err != nil {
		return nil, err
	}

	rep := &Report{Ignored: ignored}
	var chains []*chainState
	byUID := map[string]*chainState{}
	for i := range recs {
		if !isRec[i] {
			rep.Ignored++
			continue
		}
		rep.Records++
		cs := byUID[recs[i].chain]
		if cs == nil {
			cs = &chainState{uid: recs[i].chain}
			byUID[cs.uid] = cs
			chains = append(chains, cs)
		}
		cs.recs = append(cs.recs, i)
	}

	// Keys: each chain's genesis key, or its HMAC keys; certifying keys.
	kmsKeys := map[string]*ecdsa.PublicKey{}
	for _, cs := range chains {
		if err := cs.resolveKeys(ctx, recs, &opts, kmsKeys); err != nil {
			return nil, err
		}
	}

	// Signatures, on all cores.
	chainOf := make([]*chainState, len(recs))
	var todo []int
	for _, cs := range chains {
		for _, i := range cs.recs {
			chainOf[i] = cs
			if recs[i].fpOK && recs[i].seq >= 0 && cs.canVerify() {
				todo = append(todo, i)
			}
		}
	}
	err = parallel(ctx, workers, len(todo), func() func(k int) {
		return func(k int) {
			i := todo[k]
			recs[i].sigOK = chainOf[i].verifySig(&recs[i])
		}
	})
	if err != nil {
		return nil, err
	}

	reqCount := map[string]int{}
	for _, cs := range chains {
		rep.Chains = append(rep.Chains, cs.analyse(recs, reqCount))
	}
	for _, id := range opts.RequestIDs {
		if reqCount[id] == 0 {
			rep.MissingRequestIDs = append(rep.MissingRequestIDs, id)
		}
	}
	for id, n := range reqCount {
		if n > 1 {
			rep.DuplicateRequestIDs = append(rep.DuplicateRequestIDs, id)
		}
	}
	sort.Strings(rep.DuplicateRequestIDs)
	return rep, nil
}

type inputLine struct {
	n    int
	text []byte
}

// readLines reads r whole, keeping the lines that may hold a record.
func readLines(r io.Reader) ([]inputLine, int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var lines []inputLine
	ignored := 0
	var long []byte
	tooLong := false
	n := 0
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if !tooLong && len(long)+len(chunk) <= maxLine {
				long = append(long, chunk...)
			} else {
				tooLong, long = true, long[:0]
			}
			continue
		}
		if len(chunk) > 0 || len(long) > 0 || tooLong {
			n++
			text := chunk
			if len(long) > 0 {
				text = append(long, chunk...)
				long = nil
			}
			if tooLong || len(text) > maxLine || bytes.IndexByte(text, '{') < 0 {
				tooLong = false
				ignored++
			} else {
				lines = append(lines, inputLine{n: n, text: bytes.Clone(text)})
			}
		}
		if err == io.EOF {
			return lines, ignored, nil
		}
		if err != nil {
			return nil, 0, &VerifyError{Line: n + 1, Reason: "reading input", Err: err}
		}
	}
}

// parallel runs fn(i) for i in [0, n) on workers goroutines, each with its
// own fn from mk.
func parallel(ctx context.Context, workers, n int, mk func() func(i int)) error {
	const chunk = 64
	workers = min(workers, (n+chunk-1)/chunk)
	if workers <= 1 {
		fn := mk()
		for i := range n {
			if i%chunk == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			fn(i)
		}
		return nil
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		fn := mk()
		wg.Go(func() {
			for ctx.Err() == nil {
				start := int(next.Add(chunk)) - chunk
				if start >= n {
					return
				}
				for i := start; i < min(start+chunk, n); i++ {
					fn(i)
				}
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

// topKeys are the members of a record that verification reads.
var topKeys = []string{"attestation", "class_uid", "activity_id", "metadata", "unmapped", "message"}

const (
	topAttestation = iota
	topClass
	topActivity
	topMetadata
	topUnmapped
	topMessage
	numTop
)

// extractRecord finds the JSON object of an audit record in a line, itself
// or inside a CloudWatch "message" (depth bounds the nesting), and picks its
// top-level members (see topKeys) into top.
func extractRecord(line []byte, depth int, top *[numTop][]byte) []byte {
	i := bytes.IndexByte(line, '{')
	if i < 0 {
		return nil
	}
	obj := bytes.TrimRight(line[i:], " \t\r\n")
	jsonscan.Pick(obj, topKeys, top[:])
	if top[topAttestation] != nil {
		return obj
	}
	if depth > 0 && top[topMessage] != nil {
		if msg, ok := jsonscan.Unquote(top[topMessage]); ok {
			return extractRecord([]byte(msg), depth-1, top)
		}
	}
	return nil
}

// parseRecord reads the integrity fields of an audit record and recomputes
// its fingerprint. It returns false for objects that are no audit record.
func parseRecord(p *canonParser, buf *[]byte, rec []byte, top *[numTop][]byte, out *parsedRecord) bool {
	att := top[topAttestation]
	chain, ok := jsonscan.String(att, "chain_uid")
	if !ok {
		return false
	}
	var err error
	*buf, err = p.canonicalize((*buf)[:0], rec, fingerprintExclude)
	if ce, ok := err.(*CanonicalError); ok && !ce.semantic {
		// Not JSON (a line cut short, say): if it was a record, its
		// sequence number shows as missing.
		return false
	}
	*out = parsedRecord{chain: chain, seq: -1}
	if s, ok := jsonscan.String(att, "uid"); ok {
		out.seq = parseSeq(s)
	}
	out.claimedOK = hexField(att, &out.claimed, "fingerprint", "value")
	out.hasPrev = hexField(att, &out.prev, "prev_event", "fingerprint", "value")
	if sig, ok := jsonscan.Lookup(att, "signatures", "0"); ok {
		if s, ok := jsonscan.String(sig, "value"); ok {
			out.sig, _ = base64.StdEncoding.DecodeString(s)
		}
		out.sigAlg, _ = jsonscan.String(sig, "algorithm")
	}
	out.class = intValue(top[topClass])
	out.activity = intValue(top[topActivity])
	if top[topMetadata] != nil {
		out.reqID, _ = jsonscan.String(top[topMetadata], "uid")
	}

	if err != nil {
		return true // fpOK stays false: modified
	}
	out.fpOK = out.claimedOK && sha256.Sum256(*buf) == out.claimed
	if out.class == classEventLogActivity && out.activity == activityLogStart && out.seq == 0 {
		out.genesis = parseGenesis(p, buf, rec, top[topUnmapped])
	}
	return true
}

func parseSeq(s string) int64 {
	if s == "" || len(s) > 18 || (len(s) > 1 && s[0] == '0') {
		return -1
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

func hexField(rec []byte, dst *[sha256.Size]byte, path ...string) bool {
	s, ok := jsonscan.String(rec, path...)
	if !ok || len(s) != 2*sha256.Size {
		return false
	}
	_, err := hex.Decode(dst[:], []byte(s))
	return err == nil
}

func intValue(v []byte) int {
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0
	}
	return n
}

func parseGenesis(p *canonParser, buf *[]byte, rec, unmapped []byte) *genesisInfo {
	g := &genesisInfo{}
	ch, ok := jsonscan.Lookup(unmapped, "chain")
	if !ok {
		return g
	}
	g.alg, _ = jsonscan.String(ch, "algorithm")
	g.hmac = string(must(jsonscan.Lookup(ch, "hmac"))) == "true"
	g.selfSigned = string(must(jsonscan.Lookup(ch, "self_signed"))) == "true"
	if s, ok := jsonscan.String(ch, "public_key"); ok {
		if der, err := base64.StdEncoding.DecodeString(s); err == nil {
			if k, err := x509.ParsePKIXPublicKey(der); err == nil {
				g.pub, _ = k.(*ecdsa.PublicKey)
			}
		}
	}
	if s, ok := jsonscan.String(ch, "hmac_key_ciphertext"); ok {
		g.ciphertext, _ = base64.StdEncoding.DecodeString(s)
	}
	if _, ok := jsonscan.Lookup(ch, "certificate"); ok {
		g.certARN, _ = jsonscan.String(ch, "certificate", "key_arn")
		if s, ok := jsonscan.String(ch, "certificate", "signature"); ok {
			g.certSig, _ = base64.StdEncoding.DecodeString(s)
		}
		var err error
		*buf, err = p.canonicalize((*buf)[:0], rec, certificateExclude)
		if err == nil {
			g.certDigest, g.certOK = sha256.Sum256(*buf), true
		}
	}
	return g
}

func must(v []byte, _ bool) []byte { return v }

// chainState gathers one chain's records and keys.
type chainState struct {
	uid     string
	recs    []int // indices in input order
	genesis *parsedRecord
	alg     string
	pub     *ecdsa.PublicKey
	hmacK   map[int64][]byte // HMAC mode: k_seq by sequence number
	early   []Problem
	certOK  bool
	keyARN  string
}

func (cs *chainState) canVerify() bool { return cs.pub != nil || cs.hmacK != nil }

// resolveKeys finds the chain's genesis and its keys, and checks its
// certificate.
func (cs *chainState) resolveKeys(ctx context.Context, recs []parsedRecord, opts *VerifyOptions, kmsKeys map[string]*ecdsa.PublicKey) error {
	for _, i := range cs.recs {
		if r := &recs[i]; r.genesis != nil && r.fpOK {
			cs.genesis = r
			break
		}
	}
	if cs.genesis == nil {
		cs.early = append(cs.early, Problem{Kind: StatusDeleted, Sequence: 0,
			Detail: "no genesis record: signatures not checked"})
		return nil
	}
	g := cs.genesis.genesis
	switch {
	case g.alg == AlgorithmES256 && g.pub != nil && !g.hmac:
		cs.alg, cs.pub = AlgorithmES256, g.pub
	case g.alg == AlgorithmHS256 && g.hmac:
		cs.alg = AlgorithmHS256
		key := opts.HMACKey
		if opts.HMACKeyFunc != nil {
			k, err := opts.HMACKeyFunc(ctx, cs.uid, g.ciphertext)
			if err != nil {
				return err
			}
			key = k
		}
		if len(key) == 0 {
			cs.early = append(cs.early, Problem{Kind: StatusUncertified, Sequence: -1,
				Detail: "HMAC chain without its key: signatures not checked"})
			break
		}
		// Derive k_seq for the sequence numbers present, keeping only
		// those (a forged record may claim any number: the walk is capped).
		var need []int64
		for _, i := range cs.recs {
			if r := &recs[i]; r.fpOK && r.seq >= 0 && r.seq <= maxHMACSteps {
				need = append(need, r.seq)
			}
		}
		slices.Sort(need)
		need = slices.Compact(need)
		cs.hmacK = make(map[int64][]byte, len(need))
		k, at := append([]byte(nil), key...), int64(0)
		for _, s := range need {
			for ; at < s; at++ {
				k = hmacSum(k, hmacNext)
			}
			cs.hmacK[s] = k
		}
	default:
		cs.early = append(cs.early, Problem{Kind: StatusForged, Sequence: 0, Line: cs.genesis.line,
			Detail: "genesis record has no usable key"})
		return nil
	}

	switch {
	case g.certSig == nil && g.certARN == "":
		cs.early = append(cs.early, Problem{Kind: StatusUncertified, Sequence: 0, Line: cs.genesis.line,
			Detail: "self-signed: no certificate"})
	case !g.certOK:
		cs.early = append(cs.early, Problem{Kind: StatusForged, Sequence: 0, Line: cs.genesis.line,
			Detail: "unreadable certificate"})
	default:
		cs.keyARN = g.certARN
		k, ok := opts.PublicKeys[g.certARN]
		if !ok && opts.KMS != nil {
			if k, ok = kmsKeys[g.certARN]; !ok {
				var err error
				if k, err = KMSPublicKey(ctx, opts.KMS, g.certARN); err != nil {
					return err
				}
				kmsKeys[g.certARN], ok = k, true
			}
		}
		switch {
		case k == nil:
			cs.early = append(cs.early, Problem{Kind: StatusUncertified, Sequence: 0, Line: cs.genesis.line,
				Detail: "certificate not checked: no public key for " + g.certARN})
		case ecdsa.VerifyASN1(k, g.certDigest[:], g.certSig):
			cs.certOK = true
			if g.selfSigned {
				cs.early = append(cs.early, Problem{Kind: StatusModified, Sequence: 0, Line: cs.genesis.line,
					Detail: "certified genesis claims to be self-signed"})
			}
		default:
			cs.early = append(cs.early, Problem{Kind: StatusForged, Sequence: 0, Line: cs.genesis.line,
				Detail: "certificate does not verify"})
		}
	}
	return nil
}

// verifySig checks a record's signature over its claimed fingerprint.
func (cs *chainState) verifySig(r *parsedRecord) bool {
	if r.sigAlg != cs.alg {
		return false
	}
	if cs.pub != nil {
		return ecdsa.VerifyASN1(cs.pub, r.claimed[:], r.sig)
	}
	k, ok := cs.hmacK[r.seq]
	return ok && hmac.Equal(hmacSum(k, r.claimed[:]), r.sig)
}

// analyse checks the chain's sequence and links and builds its report;
// it counts the request ids of its authentic API records in reqCount.
func (cs *chainState) analyse(recs []parsedRecord, reqCount map[string]int) ChainReport {
	rep := ChainReport{ChainUID: cs.uid, Records: len(cs.recs), Algorithm: cs.alg,
		Certified: cs.certOK, KeyARN: cs.keyARN}
	probs := append([]Problem(nil), cs.early...)
	verified := cs.canVerify()
	bySeq := map[int64]*parsedRecord{}
	damaged := map[int64]bool{} // sequence numbers of modified or forged records
	maxSeen := int64(-1)
	var closeRec *parsedRecord
	for _, i := range cs.recs {
		r := &recs[i]
		switch {
		case r.seq < 0:
			probs = append(probs, Problem{Kind: StatusModified, Sequence: -1, Line: r.line,
				Detail: "no readable sequence number"})
			continue
		case !r.fpOK:
			probs = append(probs, Problem{Kind: StatusModified, Sequence: r.seq, Line: r.line,
				Detail: "content does not match its fingerprint"})
			damaged[r.seq] = true
			continue
		case verified && !r.sigOK:
			probs = append(probs, Problem{Kind: StatusForged, Sequence: r.seq, Line: r.line,
				Detail: "signature does not verify under the chain's key"})
			damaged[r.seq] = true
			continue
		}
		if o := bySeq[r.seq]; o != nil {
			if o.claimed != r.claimed {
				probs = append(probs, Problem{Kind: StatusFork, Sequence: r.seq, Line: r.line,
					Detail: fmt.Sprintf("a second record with this sequence number (first on line %d)", o.line)})
			}
			continue // an identical copy is harmless
		}
		bySeq[r.seq] = r
		if r.seq < maxSeen {
			probs = append(probs, Problem{Kind: StatusReordered, Sequence: r.seq, Line: r.line,
				Detail: fmt.Sprintf("after record %d", maxSeen)})
		}
		maxSeen = max(maxSeen, r.seq)
		if r.class == classEventLogActivity && r.activity == activityLogStop {
			closeRec = r
		}
		if r.class == classAPIActivity && r.reqID != "" {
			reqCount[r.reqID]++
		}
	}

	seqs := make([]int64, 0, len(bySeq))
	for s, r := range bySeq {
		seqs = append(seqs, s)
		if s == 0 {
			continue
		}
		if p := bySeq[s-1]; p != nil && (!r.hasPrev || r.prev != p.claimed) {
			probs = append(probs, Problem{Kind: StatusFork, Sequence: s, Line: r.line,
				Detail: fmt.Sprintf("previous-event link does not match record %d", s-1)})
		} else if !r.hasPrev {
			probs = append(probs, Problem{Kind: StatusModified, Sequence: s, Line: r.line,
				Detail: "no previous-event link"})
		}
	}
	// A damaged record is reported as such, not as missing too.
	for s := range damaged {
		if bySeq[s] == nil && s <= maxSeen {
			seqs = append(seqs, s)
		}
	}
	slices.Sort(seqs)
	expect := int64(0)
	for _, s := range seqs {
		if s > expect {
			rep.MissingCount += s - expect
			for m := expect; m < s && len(rep.Missing) < maxMissingListed; m++ {
				rep.Missing = append(rep.Missing, m)
			}
			d := fmt.Sprintf("record %d missing", expect)
			if s-1 > expect {
				d = fmt.Sprintf("records %d-%d missing", expect, s-1)
			}
			probs = append(probs, Problem{Kind: StatusDeleted, Sequence: expect, Detail: d})
		}
		expect = s + 1
	}
	if closeRec != nil {
		rep.Terminated = true
		if maxSeen > closeRec.seq {
			probs = append(probs, Problem{Kind: StatusFork, Sequence: maxSeen,
				Detail: fmt.Sprintf("records after the close record %d", closeRec.seq)})
		}
	} else {
		probs = append(probs, Problem{Kind: StatusUnterminated, Sequence: -1,
			Detail: fmt.Sprintf("no close record after record %d", maxSeen)})
	}

	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Sequence < probs[j].Sequence })
	rep.Problems = probs
	rep.Status = StatusValid
	for _, p := range probs {
		if rank(p.Kind) > rank(rep.Status) {
			rep.Status = p.Kind
		}
	}
	return rep
}
