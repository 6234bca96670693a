package store

// sqlTables (schema 5) give the buckets people query with SQL columns of
// their own: accounting sessions, consumed credentials, daily allowances,
// agent report receipts and the traffic series. docs/POSTGRES.md shows
// the tables and queries over them.
var sqlTables = []Table{{
	Bucket:   Sessions,
	Prefixes: []string{"s/"}, // not the open-session index keys
	Columns: []Column{
		{Name: "id", Type: Text, Field: "id"},
		{Name: "nas", Type: Text, Field: "nas"},
		{Name: "acct_session_id", Type: Text, Field: "acct_session_id"},
		{Name: "username", Type: Text, Field: "username"},
		{Name: "mac", Type: Text, Field: "mac"},
		{Name: "framed_ip", Type: Text, Field: "framed_ip"},
		{Name: "venue", Type: Text, Field: "venue"},
		{Name: "open", Type: Bool, Field: "open"},
		{Name: "started", Type: Time, Field: "started"},
		{Name: "updated", Type: Time, Field: "updated"},
		{Name: "stopped", Type: Time, Field: "stopped"},
		{Name: "input_octets", Type: Numeric, Field: "input_octets"},
		{Name: "output_octets", Type: Numeric, Field: "output_octets"},
		{Name: "input_packets", Type: Bigint, Field: "input_packets"},
		{Name: "output_packets", Type: Bigint, Field: "output_packets"},
		{Name: "session_time_s", Type: Bigint, Field: "session_time_s"},
		{Name: "terminate_cause", Type: Text, Field: "terminate_cause"},
	},
	Indexes: [][]string{{"venue", "started"}, {"username", "started"}, {"mac"}, {"started"}},
}, {
	Bucket: Credentials,
	Columns: []Column{
		{Name: "username", Type: Text, Field: "username"},
		{Name: "kind", Type: Text, Field: "kind"},
		{Name: "bound_mac", Type: Text, Field: "bound_mac"},
		{Name: "bound_nas", Type: Text, Field: "bound_nas"},
		{Name: "uses_left", Type: Bigint, Field: "uses_left"},
		{Name: "expires_at", Type: Time, Field: "expires_at"},
		{Name: "org", Type: Text, Field: "org"},
		{Name: "disabled", Type: Bool, Field: "disabled"},
		{Name: "created", Type: Time, Field: "created"},
	},
	Indexes: [][]string{{"kind", "created"}},
}, {
	Bucket:   Allowances,
	Prefixes: []string{"portal/"}, // portal/MAC/DAY: a device's free sessions on a Hong Kong day
	Columns: []Column{
		{Name: "mac", Type: Text, KeyPart: 2},
		{Name: "day", Type: Date, KeyPart: 3},
		{Name: "used", Type: Bigint, Field: "used"},
		{Name: "passes", Type: JSONB, Field: "passes"},
	},
	Indexes: [][]string{{"day"}},
}, {
	Bucket: Reports, // AP/SEQ: receipts of an AP's reports lo..hi
	Columns: []Column{
		{Name: "ap", Type: Text, KeyPart: 1},
		{Name: "lo", Type: Numeric, Field: "lo"},
		{Name: "hi", Type: Numeric, Field: "hi"},
		{Name: "at", Type: Time, Field: "at"},
	},
	Indexes: [][]string{{"ap", "at"}},
}, {
	Bucket:   Series,
	Prefixes: []string{"ap/", "venue/"}, // KIND/SUBJECT/START: 5 minutes of one AP or venue
	Columns: []Column{
		{Name: "kind", Type: Text, KeyPart: 1},
		{Name: "subject", Type: Text, KeyPart: 2},
		{Name: "start", Type: Time, Field: "start"},
		{Name: "reports", Type: Bigint, Field: "reports"},
		{Name: "clients_max", Type: Bigint, Field: "clients_max"},
		{Name: "clients_avg", Type: Double, Field: "clients_avg"},
		{Name: "bytes_up", Type: Numeric, Field: "bytes_up"},
		{Name: "bytes_down", Type: Numeric, Field: "bytes_down"},
		{Name: "packets_up", Type: Numeric, Field: "packets_up"},
		{Name: "packets_down", Type: Numeric, Field: "packets_down"},
	},
	Indexes: [][]string{{"start"}, {"kind", "subject", "start"}},
}}
