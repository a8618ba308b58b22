package main

// Checks of the Dockerfile and .dockerignore. No Docker engine runs where
// these tests run, so the files are read instead and held against what the
// binary and the module say: the role table's ports, the link-time
// variables, healthcheck's flags, the go directive and the files a build of
// ./cmd/b2b reads.

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/app"
)

// repoRoot is the module root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	return root
}

// dockerInstruction is one instruction of a Dockerfile, continuation lines
// joined and comments dropped.
type dockerInstruction struct {
	line  int      // where it starts, 1-based
	cmd   string   // upper case: FROM, RUN, COPY, ...
	flags []string // the leading --name=value words
	args  string   // the rest
}

// flag returns the value of --name, and whether it was given.
func (in dockerInstruction) flag(name string) (string, bool) {
	for _, f := range in.flags {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// exec returns the instruction's JSON (exec form) arguments, after
// HEALTHCHECK's "CMD" if there is one.
func (in dockerInstruction) exec(t *testing.T) []string {
	t.Helper()
	s := strings.TrimSpace(in.args)
	if in.cmd == "HEALTHCHECK" {
		s = strings.TrimSpace(strings.TrimPrefix(s, "CMD"))
	}
	var argv []string
	if err := json.Unmarshal([]byte(s), &argv); err != nil {
		t.Fatalf("line %d: %s %s is not in exec form (a JSON array): a shell form needs a shell, which the final image has not", in.line, in.cmd, in.args)
	}
	return argv
}

// dockerStage is one FROM and what follows it.
type dockerStage struct {
	base, name string
	instrs     []dockerInstruction
}

// find returns the stage's instructions of one kind.
func (s dockerStage) find(cmd string) []dockerInstruction {
	var out []dockerInstruction
	for _, in := range s.instrs {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// dockerfile is a parsed Dockerfile: the global ARGs (before the first
// FROM) and the stages, with ${ARG} in FROM expanded from the globals.
type dockerfile struct {
	globalArgs map[string]string
	stages     []dockerStage
}

func (d dockerfile) stage(name string) (dockerStage, bool) {
	for _, s := range d.stages {
		if s.name == name {
			return s, true
		}
	}
	return dockerStage{}, false
}

// parseDockerfile reads the subset of the Dockerfile syntax this repository
// uses: instructions, "\" continuations, # comments (parser directives are
// comments too) and leading --flags.
func parseDockerfile(t *testing.T, r io.Reader) dockerfile {
	t.Helper()
	var (
		d       = dockerfile{globalArgs: map[string]string{}}
		instrs  []dockerInstruction
		pending strings.Builder
		start   int
	)
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue // comments may sit between continuation lines too
		}
		if pending.Len() == 0 {
			start = n
		} else {
			pending.WriteByte(' ')
		}
		body, more := strings.CutSuffix(line, `\`)
		pending.WriteString(strings.TrimSpace(body))
		if more {
			continue
		}
		words := strings.Fields(pending.String())
		pending.Reset()
		in := dockerInstruction{line: start, cmd: strings.ToUpper(words[0])}
		rest := words[1:]
		for len(rest) > 0 && strings.HasPrefix(rest[0], "--") {
			in.flags, rest = append(in.flags, rest[0]), rest[1:]
		}
		in.args = strings.Join(rest, " ")
		instrs = append(instrs, in)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if pending.Len() > 0 {
		t.Fatalf("the Dockerfile ends inside a continuation (line %d)", start)
	}

	expand := regexp.MustCompile(`\$\{(\w+)\}`)
	for _, in := range instrs {
		switch {
		case in.cmd == "FROM":
			words := strings.Fields(in.args)
			st := dockerStage{base: expand.ReplaceAllStringFunc(words[0], func(m string) string {
				if v, ok := d.globalArgs[m[2:len(m)-1]]; ok {
					return v
				}
				return m
			})}
			if len(words) == 3 && strings.EqualFold(words[1], "AS") {
				st.name = words[2]
			}
			d.stages = append(d.stages, st)
		case len(d.stages) == 0 && in.cmd == "ARG":
			for _, a := range strings.Fields(in.args) {
				name, def, _ := strings.Cut(a, "=")
				d.globalArgs[name] = def
			}
		case len(d.stages) == 0:
			t.Fatalf("line %d: %s before the first FROM", in.line, in.cmd)
		default:
			last := &d.stages[len(d.stages)-1]
			last.instrs = append(last.instrs, in)
		}
	}
	return d
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return parseDockerfile(t, f)
}

// The link-time variables that the Dockerfile sets with -X. Naming them
// here makes renaming them a compile error of this test.
var _, _ = version, commit

func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	d := readDockerfile(t)

	if len(d.stages) != 2 {
		t.Fatalf("%d stages, want 2: build and the final image", len(d.stages))
	}
	build, ok := d.stage("build")
	if !ok {
		t.Fatal(`no stage "build"`)
	}
	final := d.stages[len(d.stages)-1]

	t.Run("the build stage's Go is go.mod's", func(t *testing.T) {
		gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
		if m == nil {
			t.Fatal("go.mod has no go directive")
		}
		// The golang image sets GOTOOLCHAIN=local: an older Go than go.mod's
		// would refuse to build rather than download a newer one.
		if want := "golang:" + string(m[1]) + "-bookworm"; build.base != want {
			t.Errorf("build stage FROM %s, want %s", build.base, want)
		}
	})

	t.Run("static, trimmed, stamped build with cached modules", func(t *testing.T) {
		var goBuild *dockerInstruction
		for _, in := range build.find("RUN") {
			if strings.Contains(in.args, "go build") {
				goBuild = &in
			}
		}
		if goBuild == nil {
			t.Fatal("the build stage has no RUN go build")
		}
		for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-s -w", "-X main.version=${VERSION}", "-X main.commit=${COMMIT}", " ./cmd/b2b"} {
			if !strings.Contains(goBuild.args, want) {
				t.Errorf("line %d: go build lacks %q", goBuild.line, want)
			}
		}
		var mounts []string
		for _, f := range goBuild.flags {
			if m, ok := strings.CutPrefix(f, "--mount="); ok {
				mounts = append(mounts, m)
			}
		}
		for _, want := range []string{"type=cache,target=/go/pkg/mod", "type=cache,target=/root/.cache/go-build"} {
			if !slices.Contains(mounts, want) {
				t.Errorf("line %d: go build mounts %q, want %q among them", goBuild.line, mounts, want)
			}
		}
		declared := map[string]bool{}
		for _, in := range build.find("ARG") {
			if in.line > goBuild.line {
				continue
			}
			for _, a := range strings.Fields(in.args) {
				name, _, _ := strings.Cut(a, "=")
				declared[name] = true
			}
		}
		for _, arg := range []string{"VERSION", "COMMIT", "TARGETOS", "TARGETARCH"} {
			if !declared[arg] {
				t.Errorf("ARG %s is not declared in the build stage before go build", arg)
			}
		}
		out := regexp.MustCompile(`-o (\S+)`).FindStringSubmatch(goBuild.args)
		if out == nil {
			t.Fatal("go build has no -o")
		}
		copies := final.find("COPY")
		if !slices.ContainsFunc(copies, func(in dockerInstruction) bool {
			from, _ := in.flag("from")
			return from == "build" && strings.Fields(in.args)[0] == out[1]
		}) {
			t.Errorf("the final stage does not COPY --from=build %s", out[1])
		}
	})

	t.Run("the final stage", func(t *testing.T) {
		if final.base != "scratch" && !strings.HasPrefix(final.base, "gcr.io/distroless/static") {
			t.Errorf("final stage FROM %s, want distroless/static or scratch", final.base)
		}

		users := final.find("USER")
		if len(users) == 0 {
			t.Fatal("the final stage sets no USER: it would run as root")
		}
		user := strings.TrimSpace(users[len(users)-1].args)
		uid, _, _ := strings.Cut(user, ":")
		if uid == "" || uid == "root" || uid == "0" {
			t.Fatalf("USER %s is root", user)
		}

		entry := final.find("ENTRYPOINT")
		if len(entry) != 1 || !slices.Equal(entry[0].exec(t), []string{"/b2b"}) {
			t.Fatalf("want one ENTRYPOINT [\"/b2b\"], have %v", entry)
		}
		if cmd := final.find("CMD"); len(cmd) != 1 || !slices.Equal(cmd[0].exec(t), []string{"serve"}) {
			t.Errorf("want CMD [\"serve\"], have %v", cmd)
		}

		var exposed []int
		for _, in := range final.find("EXPOSE") {
			for p := range strings.FieldsSeq(in.args) {
				n, err := strconv.Atoi(strings.TrimSuffix(p, "/tcp"))
				if err != nil {
					t.Fatalf("line %d: EXPOSE %s", in.line, p)
				}
				exposed = append(exposed, n)
			}
		}
		var rolePorts []int
		for _, rl := range app.Roles() {
			rolePorts = append(rolePorts, rl.Port)
		}
		slices.Sort(exposed)
		slices.Sort(rolePorts)
		if !slices.Equal(exposed, rolePorts) {
			t.Errorf("EXPOSE %v, want the role table's ports %v", exposed, rolePorts)
		}

		// The embedded store's directory must belong to the user the image
		// runs as, or `docker run` with no DB_DRIVER cannot create b2b.db.
		var dataDir string
		for _, in := range final.find("ENV") {
			if v, ok := strings.CutPrefix(in.args, "B2B_DATA_DIR="); ok {
				dataDir = v
			}
		}
		if dataDir == "" {
			t.Fatal("the final stage does not set B2B_DATA_DIR")
		}
		if !slices.ContainsFunc(final.find("COPY"), func(in dockerInstruction) bool {
			owner, _ := in.flag("chown")
			owner, _, _ = strings.Cut(owner, ":")
			words := strings.Fields(in.args)
			return owner == uid && words[len(words)-1] == dataDir
		}) {
			t.Errorf("no COPY --chown=%s:... into B2B_DATA_DIR %s", uid, dataDir)
		}
	})

	t.Run("HEALTHCHECK runs b2b healthcheck", func(t *testing.T) {
		hc := final.find("HEALTHCHECK")
		if len(hc) != 1 {
			t.Fatalf("%d HEALTHCHECKs in the final stage, want 1", len(hc))
		}
		argv := hc[0].exec(t)
		if len(argv) < 2 || argv[0] != "/b2b" || argv[1] != "healthcheck" {
			t.Fatalf("HEALTHCHECK CMD %q, want /b2b healthcheck ...", argv)
		}
		// `serve` with no flags runs every role: the probed port must be one.
		i := slices.Index(argv, "--port")
		if i < 0 || i+1 >= len(argv) || !slices.ContainsFunc(app.Roles(), func(rl app.Role) bool { return strconv.Itoa(rl.Port) == argv[i+1] }) {
			t.Errorf("HEALTHCHECK CMD %q probes no port of the role table", argv)
		}
		timeout, ok := hc[0].flag("timeout")
		d, err := time.ParseDuration(timeout)
		if !ok || err != nil || d <= defaultProbeTimeout {
			t.Errorf("HEALTHCHECK --timeout=%s, want one above the probe's own %s", timeout, defaultProbeTimeout)
		}
	})

	t.Run("COPY sources exist and are in the build context", func(t *testing.T) {
		ignore := readDockerignore(t, root)
		for _, st := range d.stages {
			for _, in := range append(st.find("COPY"), st.find("ADD")...) {
				if _, from := in.flag("from"); from {
					continue
				}
				words := strings.Fields(in.args)
				for _, src := range words[:len(words)-1] {
					matches, err := filepath.Glob(filepath.Join(root, src))
					if err != nil || len(matches) == 0 {
						t.Errorf("line %d: COPY source %s does not exist", in.line, src)
						continue
					}
					if rel := path.Clean(src); rel != "." && ignore.ignored(rel) {
						t.Errorf("line %d: COPY source %s is excluded by .dockerignore", in.line, src)
					}
				}
			}
		}
	})
}

// dockerignore is a parsed .dockerignore: the last rule that matches a path
// decides, as in Docker.
type dockerignore []struct {
	segments []string
	except   bool
}

func readDockerignore(t *testing.T, root string) dockerignore {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var rules dockerignore
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		except := strings.HasPrefix(line, "!")
		pattern := path.Clean(strings.TrimPrefix(strings.TrimPrefix(line, "!"), "/"))
		rules = append(rules, struct {
			segments []string
			except   bool
		}{strings.Split(pattern, "/"), except})
	}
	return rules
}

// ignored reports whether the slash-separated path rel, relative to the
// context, is left out of the build context: a rule matches a path when it
// matches the path or one of its directories.
func (d dockerignore) ignored(rel string) bool {
	segs := strings.Split(rel, "/")
	ignored := false
	for _, r := range d {
		for n := 1; n <= len(segs); n++ {
			if matchSegments(r.segments, segs[:n]) {
				ignored = !r.except
				break
			}
		}
	}
	return ignored
}

// matchSegments matches path segments against pattern segments, where "**"
// stands for any number of segments and the others use path.Match.
func matchSegments(pattern, segs []string) bool {
	if len(pattern) == 0 {
		return len(segs) == 0
	}
	if pattern[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if matchSegments(pattern[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	ok, err := path.Match(pattern[0], segs[0])
	return err == nil && ok && matchSegments(pattern[1:], segs[1:])
}

func TestDockerignoreMatcher(t *testing.T) {
	d := dockerignore{}
	for _, p := range []struct {
		pattern string
		except  bool
	}{{".env", false}, {".env.*", false}, {"**/node_modules", false}, {"deploy", false}, {"*.test", false}, {"deploy/keep", true}} {
		d = append(d, struct {
			segments []string
			except   bool
		}{strings.Split(p.pattern, "/"), p.except})
	}
	for rel, want := range map[string]bool{
		".env": true, ".env.example": true, "env": false, "cmd/.env": false,
		"node_modules/x": true, "graph/federation/node_modules/a/b.js": true, "graph/federation/compose.mjs": false,
		"deploy/gateway.config.mjs": true, "deploy/keep": false, "b2b.test": true, "cmd/b2b/main.go": false,
	} {
		if got := d.ignored(rel); got != want {
			t.Errorf("ignored(%q) = %v, want %v", rel, got, want)
		}
	}
}

// TestDockerignoreKeepsTheBuildInputs: `COPY . .` must bring every file that
// `go build ./cmd/b2b` reads in the image (GOOS=linux, CGO_ENABLED=0): the
// module files, the Go files and the //go:embed files of every package of
// this module that the binary imports.
func TestDockerignoreKeepsTheBuildInputs(t *testing.T) {
	root := repoRoot(t)
	ignore := readDockerignore(t, root)
	cmd := exec.Command("go", "list", "-deps", "-json=Dir,GoFiles,EmbedFiles,Module", "./cmd/b2b")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	files := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var pkg struct {
			Dir                 string
			GoFiles, EmbedFiles []string
			Module              *struct{ Main bool }
		}
		if err := dec.Decode(&pkg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if pkg.Module == nil || !pkg.Module.Main {
			continue
		}
		for _, f := range append(pkg.GoFiles, pkg.EmbedFiles...) {
			rel, err := filepath.Rel(root, filepath.Join(pkg.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, filepath.ToSlash(rel))
		}
	}
	if len(files) < 10 {
		t.Fatalf("go list named only %v", files)
	}
	for _, f := range files {
		if ignore.ignored(f) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", f)
		}
	}
}
