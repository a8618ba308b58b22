// Package playground serves GraphiQL from files embedded in the binary, so
// the playground works with no internet: graphiql 4.1.2 and React 18.2.0
// UMD builds, byte for byte the files of their npm packages, which carry
// the subresource-integrity hashes gqlgen's playground already pins.
// update-assets.sh fetches them again and checks the hashes.
package playground

import (
	"embed"
	"io/fs"
	"net/http"

	gqlplayground "github.com/99designs/gqlgen/graphql/playground"
)

//go:embed assets
var embedded embed.FS

// AssetsPath is where Assets expects to be mounted.
const AssetsPath = "/playground/"

// The pinned files and their SRI hashes (those of gqlgen's playground).
const (
	GraphiQLJS     = "graphiql.min.js"
	GraphiQLJSSRI  = "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs="
	GraphiQLCSS    = "graphiql.min.css"
	GraphiQLCSSSRI = "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU="
	ReactJS        = "react.production.min.js"
	ReactJSSRI     = "sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY="
	ReactDOMJS     = "react-dom.production.min.js"
	ReactDOMJSSRI  = "sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc="
)

// Files returns the embedded assets.
func Files() fs.FS {
	sub, err := fs.Sub(embedded, "assets")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// Page returns the GraphiQL page for the graph at endpoint, loading its
// scripts and styles from AssetsPath.
func Page(title, endpoint string) http.Handler {
	return gqlplayground.Handler(title, endpoint,
		gqlplayground.WithGraphiqlVersion(AssetsPath+GraphiQLJS, AssetsPath+GraphiQLCSS, GraphiQLJSSRI, GraphiQLCSSSRI),
		gqlplayground.WithGraphiqlReactVersion(AssetsPath+ReactJS, AssetsPath+ReactDOMJS, ReactJSSRI, ReactDOMJSSRI),
	)
}

// Assets serves the embedded files; mount it at AssetsPath. The files never
// change for a given binary, so browsers may keep them for a day.
func Assets() http.Handler {
	files := http.StripPrefix(AssetsPath, http.FileServerFS(Files()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
