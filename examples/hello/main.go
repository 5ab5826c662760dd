// Command hello prints a greeting read from its kodata directory, which ko places in the
// image at $KO_DATA_PATH.
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	dir := os.Getenv("KO_DATA_PATH")
	if dir == "" {
		dir = "kodata" // when run with `go run .` from this directory
	}
	msg, err := os.ReadFile(filepath.Join(dir, "greeting.txt"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
	fmt.Print(string(msg))
}
