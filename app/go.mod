module example.com/envapi

go 1.22
