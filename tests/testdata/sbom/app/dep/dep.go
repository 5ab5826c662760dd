package dep

// Hello greets.
func Hello() string { return "hello" }
