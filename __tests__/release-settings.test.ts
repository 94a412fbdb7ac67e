import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { readServiceEntry, writeCanary, writeCanaryWeight, writePromotion, writeServiceEntry } from "../cli/release-settings";

const STAGING = `# staging: a comment that must survive
namespace: envapi-staging
services:
  - name: api
    replicas: 2 # two replicas
    config: { GREETING: hello from staging }
    grayRelease: { canaryWeight: 0, canaryTag: "0.2.0", canaryConfig: { GREETING: hello from the canary }, canaryMisbehave: { errorPercent: 5 } }
`;

describe("release settings file", () => {
  let file: string;
  beforeEach(() => {
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "release-settings-")), "staging.yaml");
    fs.writeFileSync(file, STAGING);
  });
  const read = () => parse(fs.readFileSync(file, "utf8")) as { services: Array<Record<string, any>> };

  test("a step changes the weight only, and comments stay", () => {
    // WHEN the weight of a step is written  THEN only it changed
    writeCanaryWeight(file, "api", 25);
    expect(read().services[0].grayRelease.canaryWeight).toBe(25);
    expect(fs.readFileSync(file, "utf8")).toContain("# staging: a comment that must survive");
    expect(fs.readFileSync(file, "utf8")).toContain("replicas: 2 # two replicas");
  });

  test("a promotion makes the canary tag and config the service's, and the canary track goes away", () => {
    writePromotion(file, "api", "0.2.0", { GREETING: "hello from the canary" });
    const [api] = read().services;
    expect(api.image).toEqual({ tag: "0.2.0" });
    expect(api.config).toEqual({ GREETING: "hello from the canary" });
    expect(api.grayRelease).toEqual({ canaryWeight: 0 });
  });

  test("a rollback goes through the canary track, then restores the entry as it was written", () => {
    // GIVEN the entry before a release
    const before = readServiceEntry(file, "api") as Record<string, unknown>;
    writePromotion(file, "api", "0.2.0", {});
    // WHEN the previous tag runs as a canary at 100%, then the entry is restored
    writeCanary(file, "api", "0.1.0", 100, { GREETING: "hello from staging" });
    expect(read().services[0].grayRelease).toEqual({ canaryWeight: 100, canaryTag: "0.1.0", canaryConfig: { GREETING: "hello from staging" } });
    writeServiceEntry(file, "api", before);
    // THEN the service is exactly as it was, and the rest of the file too
    expect(read().services[0]).toEqual(before);
    expect(fs.readFileSync(file, "utf8")).toContain("# staging: a comment that must survive");
  });

  test("a file without the service gets an entry of its own", () => {
    fs.writeFileSync(file, "namespace: envapi-qa\n");
    writeCanaryWeight(file, "api", 5);
    expect(read().services).toEqual([{ name: "api", grayRelease: { canaryWeight: 5 } }]);
  });
});
