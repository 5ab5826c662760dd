module example.com/sbomtest/App

go 1.22

require (
	example.com/Org/Upper/v2 v2.1.0
	example.com/dep v0.0.0
	example.com/lib v1.0.0
)

replace example.com/dep => ./dep

replace example.com/Org/Upper/v2 v2.1.0 => ./upper
