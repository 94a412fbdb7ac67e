// Settings are data: for every string field of the schema, values that would be Terraform code or would change a
// generated file are either refused with a config error or rendered literally, on both platforms.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, environmentSchema, Environment, layeredSettings, PLATFORMS, validateEnvironments } from "../settings";
import { escapeTemplate, writeStacks } from "../stacks";
import { evaluatedStrings, HOSTILE_VALUES, LIVE_TEMPLATE, stringFields } from "./_hostile-settings";

const settings = layeredSettings();
const fields = stringFields(environmentSchema);

/** The specs with `staging` replaced by `document`, or the config error's problems. */
function validateWith(document: unknown): Environment[] | ConfigError {
  try {
    return validateEnvironments(new Map([...settings, ["staging", document]]));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

describe("hostile settings", () => {
  let outdir: string;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-"));
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test("the walker reaches every kind of string field", () => {
    // GIVEN the schema walked  THEN fields of objects, list items, record keys and values and every backend kind are there
    const labels = fields.map((field) => field.label);
    for (const expected of ["project", "services.0.name", "services.0.image.repository", "services.0.config.<key>", "services.0.config.PLANTED", "services.0.grayRelease.canaryConfig.PLANTED", "labels.<key>", "services.0.secrets.0.from.file", "target.kubernetes.context", "target.docker.host", "backend.path", "backend.bucket", "backend.address", "backend.schemaName"]) {
      expect(labels).toContain(expected);
    }
    expect(fields.length).toBeGreaterThan(40);
  });

  test.each(fields.map((field) => [field.label, field] as const))("%s: refused or rendered literally", (_label, field) => {
    for (const value of HOSTILE_VALUES) {
      // GIVEN staging with the hostile value in this field
      const specs = validateWith(field.apply(settings.get("staging"), value));
      // WHEN validated THEN it is a config error that quotes the value on one line ...
      if (specs instanceof ConfigError) {
        expect(specs.problems.length).toBeGreaterThan(0);
        for (const problem of specs.problems) expect(problem).not.toContain("\n");
        continue;
      }
      // ... or every stack, on both platforms, renders it as written
      for (const platform of PLATFORMS) {
        let json: Record<string, unknown>;
        try {
          writeStacks(specs, { outdir, platform });
          json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "staging", "cdk.tf.json"), "utf8"));
        } catch (error) {
          // a problem found while building is a config error too, never a crash
          expect(error).toBeInstanceOf(ConfigError);
          continue;
        }
        const evaluated = evaluatedStrings(json);
        expect(evaluated.filter((text) => LIVE_TEMPLATE.test(text))).toEqual([]);
        expect(evaluated.filter((text) => text.includes("TfToken["))).toEqual([]);
        const text = JSON.stringify(json);
        const escaped = JSON.stringify(escapeTemplate(value)).slice(1, -1);
        const literal = JSON.stringify(value).slice(1, -1);
        // THEN the value is there as written (escaped where Terraform evaluates, raw where it reads literally)
        expect(text.includes(escaped) || text.includes(literal)).toBe(true);
      }
    }
  });
});
