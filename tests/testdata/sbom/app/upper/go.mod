module example.com/Org/Upper/v2

go 1.22
