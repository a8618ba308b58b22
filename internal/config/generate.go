package config

//go:generate go run ./gendoc ../../docs/operations.md
