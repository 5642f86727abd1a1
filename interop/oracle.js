// oracle.js: the AWS Encryption SDK for JavaScript (@aws-crypto/client-node,
// pinned in package.json) as an oracle for the Go interop tests.
//
// It reads one JSON request per line on stdin and writes one JSON response
// per line on stdout, in order:
//
//   {"id": 1, "op": "encrypt" | "decrypt", "key": base64 of 32 bytes,
//    "namespace": "...", "name": "...", "suite": 1144, "frameLength": 4096,
//    "context": {"k": "v"}, "data": base64, "utf8Sorting": false}
//   {"id": 1, "ok": true, "data": base64, "context": {...}, "suite": 1144}
//   {"id": 1, "ok": false, "error": "..."}
//
// encrypt uses suite, frameLength and context; decrypt ignores them and
// returns the plaintext with the message's encryption context and suite.
// Both use a raw AES-256 keyring (key, namespace, name; utf8Sorting as
// given, default false) and commitment policy REQUIRE_ENCRYPT_REQUIRE_DECRYPT.
'use strict'

const readline = require('node:readline')
const {
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier
} = require('@aws-crypto/client-node')

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)

function keyring (req) {
  return new RawAesKeyringNode({
    keyName: req.name,
    keyNamespace: req.namespace,
    unencryptedMasterKey: new Uint8Array(Buffer.from(req.key, 'base64')),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    // false (the default) sorts the encryption context with localeCompare
    // for the key wrapping AAD; true sorts it by UTF-8 bytes, as the message
    // format and every other implementation do.
    utf8Sorting: Boolean(req.utf8Sorting)
  })
}

async function handle (req) {
  const data = Buffer.from(req.data || '', 'base64')
  switch (req.op) {
    case 'encrypt': {
      const { result, messageHeader } = await encrypt(keyring(req), data, {
        encryptionContext: req.context || {},
        suiteId: req.suite,
        frameLength: req.frameLength
      })
      return { data: Buffer.from(result).toString('base64'), context: messageHeader.encryptionContext, suite: messageHeader.suiteId }
    }
    case 'decrypt': {
      const { plaintext, messageHeader } = await decrypt(keyring(req), data)
      return { data: Buffer.from(plaintext).toString('base64'), context: messageHeader.encryptionContext, suite: messageHeader.suiteId }
    }
    default:
      throw new Error(`unknown op ${JSON.stringify(req.op)}`)
  }
}

async function main () {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.trim() === '') continue
    let id = null
    let res
    try {
      const req = JSON.parse(line)
      id = req.id
      res = { id, ok: true, ...(await handle(req)) }
    } catch (err) {
      res = { id, ok: false, error: String((err && err.message) || err) }
    }
    process.stdout.write(JSON.stringify(res) + '\n')
  }
}

main().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + '\n')
  process.exit(1)
})
