// Command gocheck gives the SBOM tests Go's own answers to compare against:
//
//	gocheck parse   reads a JSON array of build-info texts and prints, for each, what
//	                runtime/debug.ParseBuildInfo returns (or its error) as JSON;
//	gocheck string  reads a JSON array of build-info texts and prints, for each, the text
//	                `go version -m` would print for it: BuildInfo.String() of the parsed
//	                info with GoVersion cleared (or "error: " and the parse error);
//	gocheck encode  reads a JSON value and prints it re-encoded by encoding/json's Encoder
//	                with SetIndent("", "  ") and HTML escaping, as ko writes SBOMs;
//	gocheck spdx    reads an SPDX document and prints it decoded into structs with the field
//	                order and omitempty rules of ko-behaviour section 7, then re-encoded the
//	                same way, so key order, omission and escaping can be compared byte for byte.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

type parsed struct {
	Err      string               `json:"err,omitempty"`
	Path     string               `json:"path"`
	Main     debug.Module         `json:"main"`
	Deps     []*debug.Module      `json:"deps"`
	Settings []debug.BuildSetting `json:"settings"`
}

type creationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators,omitempty"`
}

type checksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type externalRef struct {
	Category string `json:"referenceCategory"`
	Locator  string `json:"referenceLocator"`
	Type     string `json:"referenceType"`
}

type pkg struct {
	ID               string        `json:"SPDXID"`
	Name             string        `json:"name"`
	Version          string        `json:"versionInfo,omitempty"`
	FilesAnalyzed    bool          `json:"filesAnalyzed"`
	LicenseDeclared  string        `json:"licenseDeclared"`
	LicenseConcluded string        `json:"licenseConcluded"`
	DownloadLocation string        `json:"downloadLocation"`
	CopyrightText    string        `json:"copyrightText"`
	PrimaryPurpose   string        `json:"primaryPackagePurpose,omitempty"`
	Checksums        []checksum    `json:"checksums,omitempty"`
	ExternalRefs     []externalRef `json:"externalRefs,omitempty"`
}

type relationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

type document struct {
	ID                string         `json:"SPDXID"`
	Name              string         `json:"name"`
	Version           string         `json:"spdxVersion"`
	CreationInfo      creationInfo   `json:"creationInfo"`
	DataLicense       string         `json:"dataLicense"`
	Namespace         string         `json:"documentNamespace"`
	DocumentDescribes []string       `json:"documentDescribes,omitempty"`
	Packages          []pkg          `json:"packages,omitempty"`
	Relationships     []relationship `json:"relationships,omitempty"`
}

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	var out any
	switch os.Args[1] {
	case "parse":
		var texts []string
		if err := json.Unmarshal(in, &texts); err != nil {
			fail(err)
		}
		results := []parsed{}
		for _, t := range texts {
			bi, err := debug.ParseBuildInfo(t)
			if err != nil {
				results = append(results, parsed{Err: err.Error()})
				continue
			}
			results = append(results, parsed{Path: bi.Path, Main: bi.Main, Deps: bi.Deps, Settings: bi.Settings})
		}
		out = results
	case "string":
		var texts []string
		if err := json.Unmarshal(in, &texts); err != nil {
			fail(err)
		}
		results := []string{}
		for _, t := range texts {
			bi, err := debug.ParseBuildInfo(t)
			if err != nil {
				results = append(results, "error: "+err.Error())
				continue
			}
			bi.GoVersion = ""
			results = append(results, bi.String())
		}
		out = results
	case "encode":
		var v any
		if err := json.Unmarshal(in, &v); err != nil {
			fail(err)
		}
		out = v
	case "spdx":
		var d document
		if err := json.Unmarshal(in, &d); err != nil {
			fail(err)
		}
		out = d
	default:
		fail(fmt.Errorf("unknown mode %q", os.Args[1]))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
