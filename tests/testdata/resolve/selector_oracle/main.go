// Command selector_oracle reads JSON lines {"sel": "...", "labels": [{...}, ...]} and writes,
// for each, what k8s.io/apimachinery's labels.Parse makes of the selector: its canonical
// String() and whether it matches each label set, or the parse error.
package main

import (
	"bufio"
	"encoding/json"
	"os"

	"k8s.io/apimachinery/pkg/labels"
)

type query struct {
	Sel    string              `json:"sel"`
	Labels []map[string]string `json:"labels"`
}

type answer struct {
	Sel     string `json:"sel"`
	Err     string `json:"err,omitempty"`
	Str     string `json:"str"`
	Matches []bool `json:"matches"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var q query
		if err := json.Unmarshal(in.Bytes(), &q); err != nil {
			panic(err)
		}
		a := answer{Sel: q.Sel, Matches: []bool{}}
		s, err := labels.Parse(q.Sel)
		if err != nil {
			a.Err = err.Error()
		} else {
			a.Str = s.String()
			for _, l := range q.Labels {
				a.Matches = append(a.Matches, s.Matches(labels.Set(l)))
			}
		}
		if err := out.Encode(a); err != nil {
			panic(err)
		}
	}
}
