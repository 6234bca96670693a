// Package staff keeps the staff who run the network and decides what they
// may do. Staff have a role: admin (network staff, everything), operator
// (one organisation's data only) or viewer (read-only, of one organisation
// or of all). They authenticate with a bearer API token (for automation) or
// a console sign-in cookie got by logging in with a password.
//
// Nothing secret is stored in the clear: passwords as bcrypt hashes, API and
// sign-in tokens as SHA-256 hashes (they are long and random, so a fast hash
// is enough and keeps lookups O(1)). A token is shown once, when made.
package staff
