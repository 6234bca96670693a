// Package chillispot holds the ChilliSpot/CoovaChilli vendor attributes
// (14559), generated from dictionary.chillispot with layeh's radius-dict-gen.
package chillispot

//go:generate go run layeh.com/radius/cmd/radius-dict-gen -package chillispot -output generated.go dictionary.chillispot
