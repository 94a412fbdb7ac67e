import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanInputError, PlanJson, readSecretFiles, secretFilePaths } from "../plan-report";
import { changePlans } from "./_plan-fixtures";

/** A plan whose configuration holds the given expressions, as `terraform show -json` writes cdk.tf.json's strings. */
const planWith = (expressions: Record<string, string>, provider: Record<string, string> = {}): PlanJson =>
  ({
    format_version: "1.2",
    configuration: {
      provider_config: { kubernetes: { name: "kubernetes", expressions: { config_path: { constant_value: provider.config_path } } } },
      root_module: {
        resources: [{ address: "kubernetes_secret_v1.api", expressions: { data: { constant_value: expressions } } }],
      },
    },
  }) as unknown as PlanJson;

describe("secretFilePaths", () => {
  test("finds the files the stacks' secret_file_* variables name (the stacks read sensitive(file(var.secret_file_...)))", () => {
    // GIVEN a plan whose stack reads a secret from the file a variable names (and another variable)
    const plan = {
      ...planWith({ TLS_KEY: "${sensitive(file(var.secret_file_api_TLS_KEY))}" }),
      variables: { secret_file_api_TLS_KEY: { value: '/run/secrets/tls ${x}.key' }, api_db_password: { value: "not a path" } },
    } as unknown as PlanJson;
    // WHEN listed  THEN the variable's value is the file
    expect(secretFilePaths(plan)).toEqual(["/run/secrets/tls ${x}.key"]);
  });

  test("finds the files read inside sensitive(...), wherever the configuration holds them, unescaped", () => {
    // GIVEN expressions as the stacks write them, nested in other calls, with escapes, in a provider block,
    // and files read without sensitive(...)
    const plan = planWith(
      {
        DB_PASSWORD: '${sensitive(file("/run/secrets/db-password"))}',
        TOKEN: '${base64encode(sensitive(trimspace(file( "/run/secrets/token" ))))}',
        ODD: '${sensitive(file("/run/secrets/a \\"quoted\\" $${dir}/%%{x}"))}',
        PLAIN: '${file("/etc/not-secret.conf")}',
        DECLASSIFIED: '${nonsensitive(file("/etc/also-not-secret"))}',
        TEMPLATE: '${sensitive(templatefile("/etc/template.tpl", {}))}',
      },
      { config_path: '${sensitive(file("/home/ci/.kube/config"))}' },
    );

    // WHEN its secret files are listed
    const paths = secretFilePaths(plan);

    // THEN exactly the files read as secrets are there, sorted, as Terraform reads them
    expect(paths).toEqual(["/home/ci/.kube/config", '/run/secrets/a "quoted" ${dir}/%{x}', "/run/secrets/db-password", "/run/secrets/token"]);
  });

  test("the recorded plans read no secret file: their secret is a variable", () => {
    // GIVEN the recorded plans
    // WHEN their secret files are listed
    // THEN there are none
    expect(changePlans().flatMap((plan) => (plan.plan ? secretFilePaths(plan.plan) : []))).toEqual([]);
  });
});

describe("readSecretFiles", () => {
  test("reads every file as it is, trailing newline included", () => {
    // GIVEN a secret file
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-report-secret-"));
    fs.writeFileSync(path.join(dir, "db-password"), "Zq7-file-Lw4Xv9\n");

    // WHEN it is read
    // THEN its contents are returned untouched
    expect(readSecretFiles([{ file: path.join(dir, "db-password"), namedBy: "--secret-file" }])).toEqual(["Zq7-file-Lw4Xv9\n"]);
  });

  test("every unreadable file is named at once, with who asked for it", () => {
    // GIVEN two files that do not exist
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-report-secret-"));
    const sources = [
      { file: path.join(dir, "missing"), namedBy: "--secret-file" },
      { file: "/nowhere/db-password", namedBy: "plans/dev/plan.json (sensitive(file(...)))" },
    ];

    // WHEN they are read
    // THEN one input error names both, and why the report needs them
    expect(() => readSecretFiles(sources)).toThrow(PlanInputError);
    expect(() => readSecretFiles(sources)).toThrow(
      [
        `--secret-file: secret file "${path.join(dir, "missing")}" cannot be read (ENOENT); the report masks its contents, so it must run where the file is`,
        'plans/dev/plan.json (sensitive(file(...))): secret file "/nowhere/db-password" cannot be read (ENOENT); the report masks its contents, so it must run where the file is',
      ].join("\n"),
    );
  });
});
