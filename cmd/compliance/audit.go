package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/lambda-compliance/compliance/audit"
	"github.com/lambda-compliance/compliance/internal/kmsclient"
)

var auditCmd = &command{
	name:    "audit",
	summary: "verify the signed hash chains of audit records in log files or stdin",
	usage:   "audit verify [--kms] [--public-key-pem [ARN=]FILE]... [--hmac-key-file FILE] [--json] [--report-ids FILE] [FILE...]",
	help: `verify reads each FILE (stdin when there is none, or for "-"): log lines in which audit
records are mixed with other lines, as written or in CloudWatch Logs exports (a JSON object with
a "message", "<timestamp> <record>", Lambda's tab-separated lines). The files are read as one
log, so a chain may span them. For each chain it checks the genesis certificate, every
fingerprint, signature and link, and the sequence, and prints one line
  CHAIN: STATUS (N records[, certified by ARN][, missing 4-6,9])
then each problem, "  seq S line [FILE:]L: KIND: what", then a summary. STATUS is one of
valid, uncertified, unterminated, modified, forged, deleted, reordered, fork, or missing (ids
of --report-ids in the chain's lost tail). Nothing of the records but chain ids, sequence and
line numbers, statuses and key ARNs is printed.
A chain is valid only when its genesis certificate verifies under a trusted key: a key given
with --public-key-pem, or fetched from AWS KMS with --kms. --public-key-pem ARN=FILE trusts
the key for chains certified by the KMS key ARN; --public-key-pem FILE trusts it for the
chains whose certificate it verifies (a certificate that no given key verifies leaves its
chain uncertified; with ARN=FILE it makes the chain forged). FILE is PEM ("PUBLIC KEY") or the
DER or base64 DER SubjectPublicKeyInfo, as 'aws kms get-public-key' returns it.
HMAC-mode chains are checked with --hmac-key-file (the base64 of the first key), with
--hmac-kms-key-file (the base64 of its KMS CiphertextBlob), or with --kms, which has KMS decrypt
the key ciphertext of the genesis record.
--report-ids FILE checks completeness: FILE lists Lambda request ids, one per line, or holds
the platform's "REPORT RequestId: ID ..." lines (other lines are skipped); every id needs
one audit record.
--json writes one JSON object instead: {"ok","intact","records","ignored","chains":[{
"chain_uid","status","records","algorithm","certified","key_arn","terminated","missing",
"missing_count","problems":[{"kind","sequence","file","line","detail"}]}],
"request_ids","missing_request_ids","duplicate_request_ids"} (sequence -1 and line 0 when a
problem is about no one record).
The AWS configuration of --kms comes from the environment and shared files as for the AWS CLI:
AWS_REGION (else the key ARN's Region), AWS_PROFILE, AWS_ENDPOINT_URL_KMS, the credential chain.
Exit status: 0 when every chain is valid (and, with --report-ids, no id lacks a record); 1 when
a chain is not valid, an id lacks a record, or the input holds no audit record; 2 on a usage
error, unreadable input, or when KMS cannot be reached: then nothing was concluded.
`,
	setup: func(fs *flag.FlagSet) func(*env, []string) int {
		var v verifier
		fs.BoolVar(&v.kms, "kms", false, "fetch the public keys of certifying KMS keys with GetPublicKey (and decrypt HMAC keys)")
		fs.Var(&v.keyFiles, "public-key-pem", "trust the certifying public key in `[ARN=]FILE` (repeatable)")
		fs.StringVar(&v.hmacKeyFile, "hmac-key-file", "", "check HMAC-mode chains with the first key in `FILE`: base64 of at least 32 bytes")
		fs.StringVar(&v.hmacKMSKeyFile, "hmac-kms-key-file", "", "check HMAC-mode chains with the key whose KMS CiphertextBlob is in `FILE` (base64)")
		fs.BoolVar(&v.json, "json", false, "write the report as one JSON object")
		fs.StringVar(&v.reportIDs, "report-ids", "", "check that every Lambda request id in `FILE` has an audit record")
		return func(e *env, args []string) int {
			if len(args) == 0 {
				e.errorf("audit: missing subcommand: want 'compliance audit verify [flags] [FILE...]'")
				return exitUsage
			}
			if args[0] != "verify" {
				e.errorf("audit: unknown subcommand %q: want verify", args[0])
				return exitUsage
			}
			v.e = e
			return v.run(args[1:])
		}
	},
}

// verifier runs audit verify.
type verifier struct {
	kms            bool
	keyFiles       repeatFlag
	hmacKeyFile    string
	hmacKMSKeyFile string
	json           bool
	reportIDs      string
	e              *env

	named   map[string]*ecdsa.PublicKey // --public-key-pem ARN=FILE
	unnamed []*ecdsa.PublicKey          // --public-key-pem FILE
	files   []inputFile
}

// inputFile is one input in the concatenated log: its lines are
// first..first+lines-1 of the whole.
type inputFile struct {
	label        string
	first, lines int
}

func (v *verifier) run(files []string) int {
	ctx := context.Background()
	opts, err := v.options(ctx)
	if err != nil {
		v.e.errorf("audit verify: %v", err)
		return exitUsage
	}
	data, err := v.read(files)
	if err != nil {
		v.e.errorf("audit verify: %v", err)
		return exitUsage
	}
	rep, err := v.verify(ctx, data, opts)
	if err != nil {
		v.e.errorf("audit verify: %v", err)
		return exitUsage
	}
	var out []byte
	if v.json {
		out = v.jsonReport(rep, len(opts.RequestIDs))
	} else {
		out = v.textReport(rep, len(opts.RequestIDs))
	}
	if _, err := v.e.stdout.Write(out); err != nil {
		v.e.errorf("audit verify: %v", writeError(err))
		return exitUsage
	}
	if len(rep.Chains) == 0 {
		v.e.errorf("audit verify: no audit records found")
		return exitFail
	}
	if !rep.OK() {
		return exitFail
	}
	return exitOK
}

// options builds the VerifyOptions of the flags.
func (v *verifier) options(ctx context.Context) (audit.VerifyOptions, error) {
	var opts audit.VerifyOptions
	v.named = map[string]*ecdsa.PublicKey{}
	for _, spec := range v.keyFiles {
		arn, file := "", spec
		if strings.HasPrefix(spec, "arn:") {
			var ok bool
			if arn, file, ok = strings.Cut(spec, "="); !ok || file == "" {
				return opts, fmt.Errorf("--public-key-pem %q: want ARN=FILE or FILE", spec)
			}
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return opts, fmt.Errorf("--public-key-pem: %w", err)
		}
		k, err := audit.ParsePublicKey(data)
		if err != nil {
			// The base64 of the DER, as the KMS API and CLI return it.
			if der, derr := decodeBase64(string(bytes.TrimSpace(data))); derr == nil {
				k, err = audit.ParsePublicKey(der)
			}
		}
		if err != nil {
			return opts, fmt.Errorf("--public-key-pem %s: %v", file, err)
		}
		if arn != "" {
			v.named[arn] = k
		} else {
			v.unnamed = append(v.unnamed, k)
		}
	}
	opts.PublicKeys = v.named

	if v.hmacKeyFile != "" && v.hmacKMSKeyFile != "" {
		return opts, errors.New("--hmac-key-file and --hmac-kms-key-file exclude each other")
	}
	var err error
	switch {
	case v.hmacKeyFile != "":
		opts.HMACKey, err = hmacKeyForm.read(v.hmacKeyFile)
	case v.hmacKMSKeyFile != "":
		opts.HMACKey, err = readKMSKeyFile(v.hmacKMSKeyFile)
	}
	if err != nil {
		return opts, err
	}

	if v.kms {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return opts, fmt.Errorf("--kms: loading the AWS configuration: %w", err)
		}
		opts.KMS = regionalKMS{kmsclient.NewClients(cfg)}
		if opts.HMACKey == nil {
			opts.HMACKeyFunc = func(ctx context.Context, _ string, ciphertext []byte) ([]byte, error) {
				if len(ciphertext) == 0 {
					return nil, nil // checked as an HMAC chain without its key
				}
				return kmsclient.DecryptDataKey(ctx, cfg, ciphertext)
			}
		}
	}

	if v.reportIDs != "" {
		opts.RequestIDs, err = readRequestIDs(v.reportIDs)
		if err != nil {
			return opts, err
		}
	}
	return opts, nil
}

func decodeBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// regionalKMS fetches public keys through one KMS client per Region: that
// of the key ARN, else the configuration's.
type regionalKMS struct{ clients *kmsclient.Clients }

func (r regionalKMS) GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	c, err := r.clients.ForKey(aws.ToString(in.KeyId))
	if err != nil {
		return nil, err
	}
	return c.GetPublicKey(ctx, in, optFns...)
}

// readRequestIDs reads Lambda request ids: one per line, or the ids of the
// platform's REPORT lines; other lines, blank lines and "#" comments are
// skipped. Repeated ids are kept once.
func readRequestIDs(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("--report-ids: %w", err)
	}
	defer f.Close()
	var ids []string
	seen := map[string]bool{}
	lr := newLineReader(f)
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			return ids, nil
		}
		if err != nil {
			return nil, fmt.Errorf("--report-ids %s: %w", file, readError(err))
		}
		if id := requestIDOf(line); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
}

const reportPrefix = "REPORT RequestId: "

// requestIDOf returns the request id of a line of --report-ids: the id of
// a REPORT line (plain, with a timestamp before it, or inside a JSON
// CloudWatch export), or the line itself when it is one word.
func requestIDOf(line []byte) string {
	s := strings.TrimSpace(string(line))
	if i := strings.Index(s, reportPrefix); i >= 0 {
		id := s[i+len(reportPrefix):]
		if j := strings.IndexAny(id, " \t\\\""); j >= 0 {
			id = id[:j]
		}
		return id
	}
	if s == "" || s[0] == '#' || strings.ContainsAny(s, " \t\"{}") {
		return ""
	}
	return s
}

// read reads the inputs into one log, each ending in a newline, and notes
// where each begins.
func (v *verifier) read(files []string) ([]byte, error) {
	if len(files) == 0 {
		files = []string{"-"}
	}
	var all []byte
	line := 1
	for _, name := range files {
		in, label := v.e.stdin, "stdin"
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return nil, err
			}
			in, label = f, name
			defer f.Close()
		}
		start := len(all)
		var err error
		all, err = appendAll(all, in)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", label, readError(err))
		}
		if len(all) > start && all[len(all)-1] != '\n' {
			all = append(all, '\n')
		}
		n := bytes.Count(all[start:], []byte{'\n'})
		v.files = append(v.files, inputFile{label: label, first: line, lines: n})
		line += n
	}
	return all, nil
}

func appendAll(dst []byte, r io.Reader) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// verify runs audit.Verify; keys given without an ARN are first matched
// to the certificates they verify.
func (v *verifier) verify(ctx context.Context, data []byte, opts audit.VerifyOptions) (*audit.Report, error) {
	rep, err := audit.Verify(ctx, bytes.NewReader(data), opts)
	if err != nil || len(v.unnamed) == 0 {
		return rep, err
	}
	// The genesis records of chains certified by a key not yet known.
	pending := map[string][]int{}
	for _, c := range rep.Chains {
		if c.Certified || c.KeyARN == "" || opts.PublicKeys[c.KeyARN] != nil || opts.KMS != nil {
			continue
		}
		for _, p := range c.Problems {
			if p.Sequence == 0 && p.Line > 0 {
				pending[c.KeyARN] = append(pending[c.KeyARN], p.Line)
			}
		}
	}
	if len(pending) == 0 {
		return rep, nil
	}
	lines := bytes.SplitAfter(data, []byte{'\n'})
	resolved := map[string]*ecdsa.PublicKey{}
	for arn, ns := range pending {
		var genesis []byte
		for _, n := range ns {
			genesis = append(genesis, lines[n-1]...)
		}
		for _, k := range v.unnamed {
			r, err := audit.Verify(ctx, bytes.NewReader(genesis), audit.VerifyOptions{
				PublicKeys: map[string]*ecdsa.PublicKey{arn: k}})
			if err != nil {
				return nil, err
			}
			if slices.ContainsFunc(r.Chains, func(c audit.ChainReport) bool { return c.Certified }) {
				resolved[arn] = k
				break
			}
		}
	}
	if len(resolved) == 0 {
		return rep, nil
	}
	keys := maps.Clone(opts.PublicKeys)
	maps.Copy(keys, resolved)
	opts.PublicKeys = keys
	return audit.Verify(ctx, bytes.NewReader(data), opts)
}

// where maps a line of the whole log to its file and line.
func (v *verifier) where(n int) (string, int) {
	for _, f := range v.files {
		if n >= f.first && n < f.first+f.lines {
			return f.label, n - f.first + 1
		}
	}
	return "", n
}

// textReport writes a chain per line, its problems, and a summary.
func (v *verifier) textReport(rep *audit.Report, ids int) []byte {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	counts := map[audit.Status]int{}
	for _, c := range rep.Chains {
		counts[c.Status]++
		fmt.Fprintf(w, "%s: %s (%s", c.ChainUID, c.Status, plural(c.Records, "record"))
		if c.Certified {
			fmt.Fprintf(w, ", certified by %s", c.KeyARN)
		}
		if c.MissingCount > 0 {
			fmt.Fprintf(w, ", missing %s", ranges(c.Missing, c.MissingCount))
		}
		w.WriteString(")\n")
		for _, p := range c.Problems {
			var loc []string
			if p.Sequence >= 0 {
				loc = append(loc, "seq "+strconv.FormatInt(p.Sequence, 10))
			}
			if p.Line > 0 {
				file, line := v.where(p.Line)
				if len(v.files) > 1 {
					loc = append(loc, fmt.Sprintf("line %s:%d", file, line))
				} else {
					loc = append(loc, "line "+strconv.Itoa(line))
				}
			}
			w.WriteString("  ")
			if len(loc) > 0 {
				w.WriteString(strings.Join(loc, " ") + ": ")
			}
			fmt.Fprintf(w, "%s: %s\n", p.Kind, p.Detail)
		}
	}
	var parts []string
	for _, s := range []audit.Status{audit.StatusValid, audit.StatusUncertified, audit.StatusUnterminated,
		audit.StatusModified, audit.StatusForged, audit.StatusDeleted, audit.StatusReordered,
		audit.StatusFork, audit.StatusMissing} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	summary := strings.Join(parts, ", ")
	if summary != "" {
		summary = ": " + summary
	}
	fmt.Fprintf(w, "%s%s; %s, %s\n", plural(len(rep.Chains), "chain"), summary,
		plural(rep.Records, "audit record"), plural(rep.Ignored, "other line"))
	if ids > 0 {
		fmt.Fprintf(w, "request ids: %d listed, %d without a record, %d with more than one\n",
			ids, len(rep.MissingRequestIDs), len(rep.DuplicateRequestIDs))
		for _, id := range rep.MissingRequestIDs {
			fmt.Fprintf(w, "  missing: %s\n", id)
		}
		for _, id := range rep.DuplicateRequestIDs {
			fmt.Fprintf(w, "  duplicate: %s\n", id)
		}
	}
	switch {
	case len(rep.Chains) == 0:
	case rep.OK():
		w.WriteString("OK\n")
	default:
		w.WriteString("FAILED\n")
	}
	w.Flush()
	return b.Bytes()
}

// ranges writes sequence numbers as "4-6,9", the first 20 ranges only.
func ranges(seqs []int64, count int64) string {
	var b strings.Builder
	listed, n := int64(0), 0
	for i := 0; i < len(seqs); {
		j := i
		for j+1 < len(seqs) && seqs[j+1] == seqs[j]+1 {
			j++
		}
		if n == 20 {
			break
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(seqs[i], 10))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.FormatInt(seqs[j], 10))
		}
		listed += int64(j - i + 1)
		n++
		i = j + 1
	}
	if listed < count {
		fmt.Fprintf(&b, " and %d more", count-listed)
	}
	return b.String()
}

// The JSON report: lower_snake_case names, every list present.
type jsonReport struct {
	OK                  bool        `json:"ok"`
	Intact              bool        `json:"intact"`
	Records             int         `json:"records"`
	Ignored             int         `json:"ignored"`
	Chains              []jsonChain `json:"chains"`
	RequestIDs          int         `json:"request_ids"`
	MissingRequestIDs   []string    `json:"missing_request_ids"`
	DuplicateRequestIDs []string    `json:"duplicate_request_ids"`
}

type jsonChain struct {
	ChainUID     string        `json:"chain_uid"`
	Status       audit.Status  `json:"status"`
	Records      int           `json:"records"`
	Algorithm    string        `json:"algorithm"`
	Certified    bool          `json:"certified"`
	KeyARN       string        `json:"key_arn"`
	Terminated   bool          `json:"terminated"`
	Missing      []int64       `json:"missing"`
	MissingCount int64         `json:"missing_count"`
	Problems     []jsonProblem `json:"problems"`
}

type jsonProblem struct {
	Kind     audit.Status `json:"kind"`
	Sequence int64        `json:"sequence"`
	File     string       `json:"file"`
	Line     int          `json:"line"`
	Detail   string       `json:"detail"`
}

func (v *verifier) jsonReport(rep *audit.Report, ids int) []byte {
	out := jsonReport{OK: rep.OK() && len(rep.Chains) > 0, Intact: rep.Intact() && len(rep.Chains) > 0,
		Records: rep.Records, Ignored: rep.Ignored, Chains: []jsonChain{}, RequestIDs: ids,
		MissingRequestIDs: nonNil(rep.MissingRequestIDs), DuplicateRequestIDs: nonNil(rep.DuplicateRequestIDs)}
	for _, c := range rep.Chains {
		jc := jsonChain{ChainUID: c.ChainUID, Status: c.Status, Records: c.Records, Algorithm: c.Algorithm,
			Certified: c.Certified, KeyARN: c.KeyARN, Terminated: c.Terminated, Missing: nonNil(c.Missing),
			MissingCount: c.MissingCount, Problems: []jsonProblem{}}
		for _, p := range c.Problems {
			jp := jsonProblem{Kind: p.Kind, Sequence: p.Sequence, Detail: p.Detail}
			if p.Line > 0 {
				jp.File, jp.Line = v.where(p.Line)
			}
			jc.Problems = append(jc.Problems, jp)
		}
		out.Chains = append(out.Chains, jc)
	}
	b, _ := json.Marshal(out) // plain types only: cannot fail
	return append(b, '\n')
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
