// Markdown building blocks that stay correct whatever the text: HTML-escaped code in table cells (a `|`
// would split the cell, a backtick end the span) and code fences longer than any backtick run inside.

/** Text safe inside HTML and a GFM table cell. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "&#124;");
}

/** Inline code that survives table cells and any characters. */
export function code(text: string): string {
  return `<code>${escapeHtml(text).replace(/\r?\n/g, "\\n")}</code>`;
}

/** A fenced code block; the fence is longer than the longest backtick run in `text`. */
export function fencedBlock(text: string, language = "text"): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${text}${text.endsWith("\n") || text === "" ? "" : "\n"}${fence}`;
}

/** A collapsible block. Markdown inside needs the blank lines. */
export function details(summary: string, body: string, open = false): string {
  return `<details${open ? " open" : ""}><summary>${summary}</summary>\n\n${body.trimEnd()}\n\n</details>`;
}

/** A GFM table. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align: ReadonlyArray<"left" | "right"> = []): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const rule = header.map((_, index) => (align[index] === "right" ? "--:" : "---"));
  return [line(header), line(rule), ...rows.map(line)].join("\n");
}

/** Strips terminal colour codes (plans shown without -no-color). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}
