package store

// ManyGetter is a BackendTx that reads many keys of a bucket at once,
// where reading them one by one would cost a round trip each (PostgreSQL).
// GetMany calls fn for each key that has a record, in no set order; the
// slices it passes are valid only during the call.
type ManyGetter interface {
	GetMany(bucket string, keys [][]byte, fn func(key, value []byte) error) error
}

// GetRawMany calls fn with the JSON record of each of keys that has one,
// in no set order, for callers that need many records at once: one query
// on a backend that is a ManyGetter, a Get each on the others. raw is
// valid only during the call.
func (tx *Tx) GetRawMany(bucket string, keys []string, fn func(key string, raw []byte) error) error {
	if len(keys) == 0 {
		return nil
	}
	var fnErr error
	call := func(k, v []byte) error {
		fnErr = fn(string(k), v)
		return fnErr
	}
	bs := make([][]byte, len(keys))
	for i, k := range keys {
		bs[i] = []byte(k)
	}
	var err error
	if m, ok := tx.b.(ManyGetter); ok {
		err = m.GetMany(bucket, bs, call)
	} else {
		err = GetEach(tx.b, bucket, bs, call)
	}
	if err != nil && err == fnErr {
		return err
	}
	return failed(err)
}

// GetEach is ManyGetter.GetMany for a BackendTx that reads one key at a
// time.
func GetEach(b BackendTx, bucket string, keys [][]byte, fn func(k, v []byte) error) error {
	for _, k := range keys {
		v, err := b.Get(bucket, k)
		if err != nil {
			return err
		}
		if v != nil {
			if err := fn(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}
