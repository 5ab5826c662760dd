// Command template_oracle executes Go text/template templates the way ko does
// (template.New("argsTmpl").Option("missingkey=error")) against a fixed data set that
// oracleData in tests/gotemplate/go_template_oracle.ts mirrors, and prints one JSON object
// per template: {"out": "..."} or {"err": "..."}. Templates arrive as a JSON array of
// strings on stdin.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"text/template"
)

func data() map[string]any {
	return map[string]any{
		"Env": map[string]string{
			"LDFLAGS": "", "HOME": "/home/ko", "A": "alpha", "EMPTY": "", "NUM": "42",
			"GOFLAGS": "-mod=mod", "PCT": "100%", "SPACES": "a b  c",
		},
		"GoEnv": map[string]string{
			"GOOS": "linux", "GOARCH": "arm64", "GOVERSION": "go1.26.8", "CGO_ENABLED": "0",
		},
		"Git": map[string]any{
			"Branch": "main", "Tag": "v1.2.3", "ShortCommit": "0123abc",
			"FullCommit":      "0123abcdef0123abcdef0123abcdef0123abcdef",
			"CommitDate":      "2024-02-03T04:05:06Z",
			"CommitTimestamp": int64(1706933106),
			"IsDirty":         true, "IsClean": false, "TreeState": "dirty",
		},
		"Date":      "2024-02-03T04:05:06Z",
		"Timestamp": int64(1706933106),
		"List":      []any{"x", "y", "z"},
		"Nums":      []any{3, 1, 2},
		"EmptyList": []any{},
		"Map":       map[string]any{"b": 2, "a": "one", "c": true},
		"EmptyMap":  map[string]any{},
		"Float":     2.5,
		"Zero":      0,
		"Yes":       true,
		"No":        false,
		"Unicode":   "héllo wörld",
	}
}

func run(text string) (string, error) {
	t, err := template.New("argsTmpl").Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if err := t.Execute(&sb, data()); err != nil {
		return "", err
	}
	return sb.String(), nil
}

func main() {
	var cases []string
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	for _, c := range cases {
		out, err := run(c)
		if err != nil {
			_ = enc.Encode(map[string]string{"err": err.Error()})
		} else {
			_ = enc.Encode(map[string]string{"out": out})
		}
	}
}
