module example.com/gocheck

go 1.22
