package testdb

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
)

// missingBinaryError says that a server program is not installed and which
// Debian package provides it.
type missingBinaryError struct {
	Binary  string // the program looked for, e.g. "initdb"
	Package string // the Debian package that provides it, e.g. "postgresql"
}

func (e *missingBinaryError) Error() string {
	return fmt.Sprintf("%s not found: install the Debian package %s (`make test` installs it with scripts/test-deps.sh)", e.Binary, e.Package)
}

// Where programs are looked for; variables so that tests can make them
// missing.
var (
	// postgresRoot is where Debian installs PostgreSQL, one directory per
	// major version.
	postgresRoot = "/usr/lib/postgresql"
	// mariadbDirs are searched, in order, before PATH: mariadbd lives in
	// /usr/sbin, which is often not on a user's PATH.
	mariadbDirs = []string{"/usr/sbin", "/usr/bin"}
	lookPath    = exec.LookPath
)

// postgresBinaries returns the directory holding initdb and postgres: the
// newest Debian version, else the one on PATH.
func postgresBinaries() (string, error) {
	if dir := newestPostgres(postgresRoot); dir != "" {
		return dir, nil
	}
	if initdb, err := lookPath("initdb"); err == nil {
		dir := filepath.Dir(initdb)
		if isExecutable(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	return "", &missingBinaryError{Binary: "initdb", Package: "postgresql"}
}

// newestPostgres returns root/VERSION/bin for the highest VERSION that has
// both initdb and postgres, or "" if there is none.
func newestPostgres(root string) string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return ""
	}
	var versions []float64
	byVersion := map[float64]string{}
	for _, e := range entries {
		v, err := strconv.ParseFloat(e.Name(), 64)
		bin := filepath.Join(root, e.Name(), "bin")
		if err != nil || !isExecutable(filepath.Join(bin, "initdb")) || !isExecutable(filepath.Join(bin, "postgres")) {
			continue
		}
		versions = append(versions, v)
		byVersion[v] = bin
	}
	if len(versions) == 0 {
		return ""
	}
	sort.Float64s(versions)
	return byVersion[versions[len(versions)-1]]
}

// mariadbBinaries returns the paths of mariadb-install-db and mariadbd.
func mariadbBinaries() (installDB, mariadbd string, err error) {
	if installDB = findProgram("mariadb-install-db"); installDB == "" {
		return "", "", &missingBinaryError{Binary: "mariadb-install-db", Package: "mariadb-server"}
	}
	if mariadbd = findProgram("mariadbd"); mariadbd == "" {
		return "", "", &missingBinaryError{Binary: "mariadbd", Package: "mariadb-server"}
	}
	return installDB, mariadbd, nil
}

func findProgram(name string) string {
	for _, dir := range mariadbDirs {
		if path := filepath.Join(dir, name); isExecutable(path) {
			return path
		}
	}
	if path, err := lookPath(name); err == nil {
		return path
	}
	return ""
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
}
