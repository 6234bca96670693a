package radius

import "crypto/md5"

func md5Sum(b []byte) []byte { s := md5.Sum(b); return s[:] }
