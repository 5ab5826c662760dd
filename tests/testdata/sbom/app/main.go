// Command app is a fixture for SBOM tests: a main module with a local replaced dependency,
// a replaced dependency whose path has uppercase letters, and a dependency served by a file
// GOPROXY (so it has a go.sum hash).
package main

import (
	"fmt"

	upper "example.com/Org/Upper/v2"
	"example.com/dep"
	"example.com/lib"
)

func main() { fmt.Println(dep.Hello(), upper.Name(), lib.Version()) }
