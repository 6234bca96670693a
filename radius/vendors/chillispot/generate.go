// Package chillispot holds the ChilliSpot/CoovaChilli vendor attributes
// (14559), generated from dictionary.chillispot with layeh's radius-dict-gen.
package chillispot

//go:generate go tool radius-dict-gen -package chillispot -output generated.go dictionary.chillispot
