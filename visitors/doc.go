// Package visitors keeps what visitors log on with: registered accounts,
// one-time credentials the portal issues, vouchers, and remembered devices.
//
// How secrets are kept, openly:
//   - A password a person chose is stored only as an argon2id hash. PAP checks
//     it; a short-lived in-memory cache of successful checks (keyed by an
//     HMAC of the password under a per-process key) keeps repeated PAP fast.
//   - CHAP needs the cleartext at the server. It is available for a
//     credential only when a sealed copy exists (AES-256-GCM under the data
//     dir's master.key, see internal/secrets): machine-made one-time
//     credentials and vouchers always have one, accounts only when created
//     with CHAP enabled. The portal signs account holders in itself and hands
//     the gateway a one-time CHAP credential, so people's passwords need no
//     recoverable copy.
package visitors
