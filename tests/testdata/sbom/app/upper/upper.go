package upper

// Name says who.
func Name() string { return "Upper & <co>" }
