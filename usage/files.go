package usage

import _ "embed"

// Schema is the JSON schema of the open usage data's JSON files
// ({"days": [Day…]}), served at /opendata/usage/schema.json.
//
//go:embed schema.json
var Schema []byte

// Dictionary is the open usage data's data dictionary in English,
// 繁體中文 and 简体中文, served at /opendata/usage/dictionary.md.
//
//go:embed dictionary.md
var Dictionary []byte
