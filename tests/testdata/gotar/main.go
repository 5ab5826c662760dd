// Command gotar is a test oracle: it reads a JSON list of archives from stdin, writes each
// with Go's archive/tar (the writer ko uses) and prints a JSON object mapping each archive's
// name to its base64 bytes. Standard library only.
//
// An archive with "headerOnly" set holds one entry whose header is written without its
// contents (for sizes too large to write), and its bytes are taken before Close.
package main

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

type entry struct {
	Name    string            `json:"name"`
	Type    string            `json:"type"`
	Mode    int64             `json:"mode"`
	UID     int               `json:"uid"`
	GID     int               `json:"gid"`
	Uname   string            `json:"uname"`
	Gname   string            `json:"gname"`
	Mtime   int64             `json:"mtime"`
	Size    int64             `json:"size"`
	Content string            `json:"content"` // base64
	Pax     map[string]string `json:"pax"`     // values base64
}

type archive struct {
	Name       string  `json:"name"`
	HeaderOnly bool    `json:"headerOnly"`
	Entries    []entry `json:"entries"`
}

func main() {
	var archives []archive
	if err := json.NewDecoder(os.Stdin).Decode(&archives); err != nil {
		fail(err)
	}
	out := map[string]string{}
	for _, a := range archives {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, e := range a.Entries {
			content, err := base64.StdEncoding.DecodeString(e.Content)
			if err != nil {
				fail(err)
			}
			h := &tar.Header{
				Name:    e.Name,
				Mode:    e.Mode,
				Uid:     e.UID,
				Gid:     e.GID,
				Uname:   e.Uname,
				Gname:   e.Gname,
				ModTime: time.Unix(e.Mtime, 0),
			}
			if e.Type == "dir" {
				h.Typeflag = tar.TypeDir
			} else {
				h.Typeflag = tar.TypeReg
				h.Size = int64(len(content))
				if a.HeaderOnly {
					h.Size = e.Size
				}
			}
			if len(e.Pax) > 0 {
				h.PAXRecords = map[string]string{}
				for k, v := range e.Pax {
					b, err := base64.StdEncoding.DecodeString(v)
					if err != nil {
						fail(err)
					}
					h.PAXRecords[k] = string(b)
				}
			}
			if err := tw.WriteHeader(h); err != nil {
				fail(fmt.Errorf("%s: %s: %w", a.Name, e.Name, err))
			}
			if a.HeaderOnly {
				break
			}
			if _, err := tw.Write(content); err != nil {
				fail(err)
			}
		}
		if !a.HeaderOnly {
			if err := tw.Close(); err != nil {
				fail(err)
			}
		}
		out[a.Name] = base64.StdEncoding.EncodeToString(buf.Bytes())
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gotar:", err)
	os.Exit(1)
}
