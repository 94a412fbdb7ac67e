import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { hashBuildContext } from "../images/build-context";

function context(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "context-"));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const IGNORE = "*\n!go.mod\n!*.go\n*_test.go\n!Dockerfile\n!.dockerignore\n";

describe("hashBuildContext", () => {
  test("changes with a source the build uses, not with a file .dockerignore leaves out", () => {
    // GIVEN a context like app/: sources, tests and notes, and a .dockerignore
    const files = { ".dockerignore": IGNORE, Dockerfile: "FROM scratch", "go.mod": "module x", "main.go": "package main", "main_test.go": "package main", "NOTES.md": "x" };
    const base = hashBuildContext(context(files));
    // THEN it is stable, ignores tests, notes and files in ignored folders
    expect(hashBuildContext(context(files))).toBe(base);
    expect(hashBuildContext(context({ ...files, "main_test.go": "changed", "NOTES.md": "changed", "docs/a.go": "x" }))).toBe(base);
    // AND changes when a built source changes or is added
    expect(hashBuildContext(context({ ...files, "main.go": "package main // changed" }))).not.toBe(base);
    expect(hashBuildContext(context({ ...files, "server.go": "package main" }))).not.toBe(base);
  });

  test("without a .dockerignore every file counts", () => {
    // GIVEN a context without .dockerignore  WHEN a file in a subfolder changes  THEN the hash changes
    const base = hashBuildContext(context({ a: "1", "sub/b": "2" }));
    expect(hashBuildContext(context({ a: "1", "sub/b": "3" }))).not.toBe(base);
  });

  test("app/ has a fingerprint", () => {
    // GIVEN the real app/  THEN it hashes to a sha256
    expect(hashBuildContext(path.join(__dirname, "..", "app"))).toMatch(/^[0-9a-f]{64}$/);
  });
});
