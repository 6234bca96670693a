package portal

// EncryptFAS makes a level 3 query as openNDS does, for the tests of
// package portal_test.
var EncryptFAS = encryptFAS
