import * as fs from "fs";
import * as path from "path";
import { marked } from "marked";
import { buildReport, DEFAULT_MAX_CHARS, REPORT_MARKER, renderMarkdown } from "../plan-report";
import { changePlans, changeReport, FIXTURE_SECRETS } from "./_plan-fixtures";

const toHtml = (markdown: string): string => marked.parse(markdown, { async: false, gfm: true });

let rendered: string | undefined;
/** The report of the recorded change with the default options, rendered once per file. */
const renderedReport = (): string => (rendered ??= renderMarkdown(changeReport()));

describe("renderMarkdown on the recorded plans", () => {
  test("the whole report (snapshot)", () => {
    // GIVEN the report of the recorded change
    // WHEN it is rendered
    const markdown = renderedReport();

    // THEN it is the reviewed report
    expect(markdown).toMatchSnapshot();
  });

  test("starts with the marker the CI step finds the comment by, and has a row per stack", () => {
    // GIVEN the report of the recorded change
    // WHEN it is rendered
    const markdown = renderedReport();

    // THEN the marker comes first and the header table counts what each stack does
    expect(markdown.startsWith(`${REPORT_MARKER}\n`)).toBe(true);
    expect(markdown).toContain("| <b>dev</b> | kubernetes | 1 | 3 | 0 | 0 | changes |");
    expect(markdown).toContain("| <b>staging</b> | kubernetes | 0 | 0 | 0 | 0 | no changes |");
    expect(markdown).toMatch(/\| <b>prod<\/b> \(protected\) \| kubernetes \| \d+ \| \d+ \| 1 \| 1 \| <b>destroys in a protected environment<\/b> \|/);
  });

  test("the loudest block is a CAUTION for the protected environment, before the table", () => {
    // GIVEN the report of the recorded change, where prod loses an autoscaler and a budget
    // WHEN it is rendered
    const markdown = renderedReport();

    // THEN a CAUTION alert names prod and both resources, above the table; dev gets no warning
    const caution = markdown.indexOf("> [!CAUTION]");
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(markdown.indexOf("| Stack |"));
    expect(markdown).toContain("> **Protected environment prod: this plan destroys or replaces 2 resources.**");
    expect(markdown).toMatch(/> - destroy <code>kubernetes_horizontal_pod_autoscaler_v2\.[^<]+<\/code>/);
    expect(markdown).toMatch(/> - replace <code>kubernetes_pod_disruption_budget_v1\.[^<]+<\/code> \(forced by <code>spec\[0\]\.min_available<\/code>/);
    expect(markdown).not.toContain("> [!WARNING]");
  });

  test("never prints a secret: neither the variable's value nor the secret's data", () => {
    // GIVEN plans whose JSON holds the dummy DB passwords in clear
    const plans = changePlans();
    expect(FIXTURE_SECRETS.some((secret) => JSON.stringify(plans).includes(secret))).toBe(true);

    // WHEN the report is rendered
    const markdown = renderedReport();

    // THEN no password appears, and the secret's change reads "(sensitive)" on both sides
    for (const secret of FIXTURE_SECRETS) expect(markdown).not.toContain(secret);
    expect(markdown).toContain("| <code>data</code> | <i>(sensitive)</i> | <i>(sensitive)</i> |");
  });

  test("unknown values read (known after apply); a created object has one value column", () => {
    // GIVEN the report of the recorded change
    // WHEN it is rendered
    const markdown = renderedReport();

    // THEN the replaced budget's resource version shows old value → known after apply, the new budget's just the latter
    expect(markdown).toMatch(/\| <code>metadata\[0\]\.resource_version<\/code> \| <code>"\d+"<\/code> \| <i>\(known after apply\)<\/i> \|/);
    expect(markdown).toContain("| <code>metadata[0].uid</code> | <i>(known after apply)</i> |");
    expect(markdown).toContain("| Attribute | Value |");
  });

  test("is stable: the same plans in another order give the same report", () => {
    // GIVEN the recorded plans, once as read and once reversed
    const plans = changePlans();
    const report = changeReport();

    // WHEN both are rendered
    const again = renderMarkdown(buildReport([...plans].reverse(), report.environmentDiff));

    // THEN the reports are identical, and hold no date or time
    expect(again).toBe(renderedReport());
    expect(again).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });

  test("renders as Markdown: a table, a collapsible section per stack, the alert as a quote", () => {
    // GIVEN the rendered report
    const markdown = renderedReport();

    // WHEN it is converted to HTML like GitHub's Markdown would
    const html = toHtml(markdown);

    // THEN the header table has the seven columns and a row per stack, each changed stack has its details,
    // the attribute tables are tables (not text), and the plan texts are code blocks
    expect(html).toMatch(/<table>\s*<thead>\s*<tr>\s*<th>Stack<\/th>\s*<th>Target<\/th>\s*<th align="right">Add<\/th>/);
    expect(html.match(/<tr>\s*<td><b>(dev|staging|prod)<\/b>/g)).toHaveLength(3);
    expect(html.match(/<details><summary>/g)?.length).toBeGreaterThanOrEqual(5);
    expect(html).toMatch(/<th>Attribute<\/th>\s*<th>Before<\/th>\s*<th>After<\/th>/);
    expect(html).toMatch(/<td><code>data.GREETING<\/code><\/td>\s*<td><code>"hello from dev"<\/code><\/td>\s*<td><code>"hello from dev, v2"<\/code><\/td>/);
    expect(html).toContain('<pre><code class="language-text">');
    expect(html).toMatch(/<blockquote>\s*<p>\[!CAUTION\]/);
    expect(html).not.toMatch(/<li>\s*create/);
  });

  test("the staging → prod settings diff is a table of paths and both values", () => {
    // GIVEN the rendered report
    const html = toHtml(renderedReport());

    // WHEN the diff's rows are looked up
    // THEN a differing setting shows both values and a missing one reads (not set)
    expect(html).toMatch(/<td><code>services\.api\.replicas<\/code><\/td>\s*<td><code>2<\/code><\/td>\s*<td><code>3<\/code><\/td>/);
    expect(html).toMatch(/<td><code>services\.api\.grayRelease\.canaryTag<\/code><\/td>\s*<td><code>"0\.2\.0"<\/code><\/td>\s*<td><i>\(not set\)<\/i><\/td>/);
  });
});

describe("renderMarkdown with a failed plan", () => {
  test("the failed stack is flagged in the table and a WARNING, with the end of its error", () => {
    // GIVEN the recorded plans plus a docker-target prod whose planning failed with a long log
    const log = `${"Initializing provider plugins...\n".repeat(300)}Error: Cannot connect to the Docker daemon`;
    const report = buildReport([...changePlans(), { stack: "prod", target: "docker", folder: "prod.docker", protected: true, error: log }]);

    // WHEN it is rendered
    const markdown = renderMarkdown(report);

    // THEN prod is told apart by target, the failure is in the table and a warning, and the error's end is shown
    expect(markdown).toContain("## Terraform plan: 2 of 4 stacks change, 1 failed");
    expect(markdown).toContain("| <b>prod</b> (protected) | docker | 0 | 0 | 0 | 0 | <b>plan failed</b> |");
    expect(markdown).toContain("> Planning failed for **prod (docker)**: the table has no counts for it.");
    expect(markdown).toMatch(/<details><summary><b>Planning failed<\/b><\/summary>\n\n```text\n… \(\d+ characters before this cut\)\n/);
    expect(markdown).toContain("Error: Cannot connect to the Docker daemon\n```");
    expect(markdown).toContain("**Protected environment prod (kubernetes): this plan destroys or replaces 2 resources.**");
  });
});

describe("renderMarkdown size budget", () => {
  test("the full report fits GitHub's comment limit", () => {
    // GIVEN the report of the recorded change
    // WHEN it is rendered with the default limit
    const markdown = renderedReport();

    // THEN it is within the limit
    expect(markdown.length).toBeLessThanOrEqual(DEFAULT_MAX_CHARS);
  });

  test("a tight limit cuts the plan texts per stack, with a note, and keeps the header whole", () => {
    // GIVEN the report of the recorded change and a limit far below its size
    const report = changeReport();
    const full = renderMarkdown(report);
    const maxChars = 10_000;
    expect(full.length).toBeGreaterThan(maxChars);

    // WHEN it is rendered within that limit
    const markdown = renderMarkdown(report, { maxChars, runUrl: "https://example.invalid/run/1" });

    // THEN it fits, the table and warning are intact, the texts say what was cut and where the rest is,
    // and the result is still well-formed Markdown (every details closed, every fence closed)
    expect(markdown.length).toBeLessThanOrEqual(maxChars);
    expect(markdown).toContain("> [!CAUTION]");
    expect(markdown).toContain("| <b>staging</b> | kubernetes | 0 | 0 | 0 | 0 | no changes |");
    expect(markdown).toMatch(/… \d+ of \d+ lines not shown to fit GitHub's comment size limit; the whole plan is <code>prod\/plan\.txt<\/code> of the plans of \[this run\]\(https:\/\/example\.invalid\/run\/1\)\./);
    expect(markdown.match(/<details/g)?.length).toBe(markdown.match(/<\/details>/g)?.length);
    expect((markdown.match(/^```/gm)?.length ?? 0) % 2).toBe(0);
  });

  test("a very tight limit also cuts the resource lists at a resource, with a note", () => {
    // GIVEN the report of the recorded change
    const report = changeReport();

    // WHEN it is rendered in a limit that barely holds the header
    const markdown = renderMarkdown(report, { maxChars: 6_000 });

    // THEN it fits and says how many changes it left out
    expect(markdown.length).toBeLessThanOrEqual(6_000);
    expect(markdown).toMatch(/… and \d+ more changes? not shown to fit GitHub's comment size limit/);
  });
});

describe("docs/plan-review.md", () => {
  test("its sample is the current report of the recorded plans", () => {
    // GIVEN the sample in the docs, between its markers
    const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "plan-review.md"), "utf8");
    const sample = /<!-- sample:begin -->\n([\s\S]*?)<!-- sample:end -->/.exec(doc)?.[1];

    // WHEN the report is rendered again
    // THEN the docs show exactly it (re-run the command in the docs to refresh them)
    expect(sample).toBe(renderedReport());
  });
});
