// go_json_echo decodes OCI documents into Go structs laid out like go-containerregistry's
// v1 types and writes them back with encoding/json, one per line. The TypeScript tests feed
// it the same documents they serialise themselves, so Go's real encoder is the oracle for
// field order, omitempty, map-key order, HTML-safe escaping and time formatting.
//
// Input (stdin): a JSON array of {"kind": "manifest"|"index"|"config"|"layout-index",
// "doc": <document>}.
// Output (stdout): for each entry, the re-encoded document or "ERROR: <message>"; for
// "layout-index", the index as ggcr's layout writer indents it, as a JSON string.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

type platform struct {
	Architecture string   `json:"architecture"`
	OS           string   `json:"os"`
	OSVersion    string   `json:"os.version,omitempty"`
	OSFeatures   []string `json:"os.features,omitempty"`
	Variant      string   `json:"variant,omitempty"`
	Features     []string `json:"features,omitempty"`
}

type descriptor struct {
	MediaType    string            `json:"mediaType"`
	Size         int64             `json:"size"`
	Digest       string            `json:"digest"`
	Data         []byte            `json:"data,omitempty"`
	URLs         []string          `json:"urls,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Platform     *platform         `json:"platform,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
}

type manifest struct {
	SchemaVersion int64             `json:"schemaVersion"`
	MediaType     string            `json:"mediaType,omitempty"`
	Config        descriptor        `json:"config"`
	Layers        []descriptor      `json:"layers"`
	Annotations   map[string]string `json:"annotations,omitempty"`
	Subject       *descriptor       `json:"subject,omitempty"`
	ArtifactType  string            `json:"artifactType,omitempty"`
}

type index struct {
	SchemaVersion int64             `json:"schemaVersion"`
	MediaType     string            `json:"mediaType,omitempty"`
	Manifests     []descriptor      `json:"manifests"`
	Annotations   map[string]string `json:"annotations,omitempty"`
	Subject       *descriptor       `json:"subject,omitempty"`
	ArtifactType  string            `json:"artifactType,omitempty"`
}

// goTime mirrors ggcr's v1.Time: a struct wrapping time.Time, so omitempty never drops it.
type goTime struct{ time.Time }

type history struct {
	Author     string `json:"author,omitempty"`
	Created    goTime `json:"created,omitempty"`
	CreatedBy  string `json:"created_by,omitempty"`
	Comment    string `json:"comment,omitempty"`
	EmptyLayer bool   `json:"empty_layer,omitempty"`
}

type health struct {
	Test        []string      `json:",omitempty"`
	Interval    time.Duration `json:",omitempty"`
	Timeout     time.Duration `json:",omitempty"`
	StartPeriod time.Duration `json:",omitempty"`
	Retries     int           `json:",omitempty"`
}

type containerConfig struct {
	AttachStderr    bool                `json:"AttachStderr,omitempty"`
	AttachStdin     bool                `json:"AttachStdin,omitempty"`
	AttachStdout    bool                `json:"AttachStdout,omitempty"`
	Cmd             []string            `json:"Cmd,omitempty"`
	Healthcheck     *health             `json:"Healthcheck,omitempty"`
	Domainname      string              `json:"Domainname,omitempty"`
	Entrypoint      []string            `json:"Entrypoint,omitempty"`
	Env             []string            `json:"Env,omitempty"`
	Hostname        string              `json:"Hostname,omitempty"`
	Image           string              `json:"Image,omitempty"`
	Labels          map[string]string   `json:"Labels,omitempty"`
	OnBuild         []string            `json:"OnBuild,omitempty"`
	OpenStdin       bool                `json:"OpenStdin,omitempty"`
	StdinOnce       bool                `json:"StdinOnce,omitempty"`
	Tty             bool                `json:"Tty,omitempty"`
	User            string              `json:"User,omitempty"`
	Volumes         map[string]struct{} `json:"Volumes,omitempty"`
	WorkingDir      string              `json:"WorkingDir,omitempty"`
	ExposedPorts    map[string]struct{} `json:"ExposedPorts,omitempty"`
	ArgsEscaped     bool                `json:"ArgsEscaped,omitempty"`
	NetworkDisabled bool                `json:"NetworkDisabled,omitempty"`
	MacAddress      string              `json:"MacAddress,omitempty"`
	StopSignal      string              `json:"StopSignal,omitempty"`
	Shell           []string            `json:"Shell,omitempty"`
}

type rootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

type configFile struct {
	Architecture  string          `json:"architecture"`
	Author        string          `json:"author,omitempty"`
	Container     string          `json:"container,omitempty"`
	Created       goTime          `json:"created,omitempty"`
	DockerVersion string          `json:"docker_version,omitempty"`
	History       []history       `json:"history,omitempty"`
	OS            string          `json:"os"`
	RootFS        rootFS          `json:"rootfs"`
	Config        containerConfig `json:"config"`
	OSVersion     string          `json:"os.version,omitempty"`
	Variant       string          `json:"variant,omitempty"`
	OSFeatures    []string        `json:"os.features,omitempty"`
}

type entry struct {
	Kind string          `json:"kind"`
	Doc  json.RawMessage `json:"doc"`
}

func echo(e entry) (string, error) {
	var v any
	switch e.Kind {
	case "manifest":
		v = &manifest{}
	case "index", "layout-index":
		v = &index{}
	case "config":
		v = &configFile{}
	default:
		return "", fmt.Errorf("unknown kind %q", e.Kind)
	}
	if err := json.Unmarshal(e.Doc, v); err != nil {
		return "", err
	}
	if e.Kind == "layout-index" {
		// What ggcr's layout writer puts in index.json, quoted to stay on one line.
		b, err := json.MarshalIndent(v, "", "   ")
		if err != nil {
			return "", err
		}
		q, err := json.Marshal(string(b))
		return string(q), err
	}
	b, err := json.Marshal(v)
	return string(b), err
}

func main() {
	var entries []entry
	if err := json.NewDecoder(os.Stdin).Decode(&entries); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, e := range entries {
		s, err := echo(e)
		if err != nil {
			s = "ERROR: " + err.Error()
		}
		fmt.Fprintln(out, s)
	}
}
