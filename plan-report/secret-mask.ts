// Every form a secret value takes in what the report prints, and the mask that hides them all. A plan shows a
// value as written, quoted with escapes, one line at a time in a heredoc, or base64-encoded (a Kubernetes
// Secret's `data`), possibly inside a longer base64 string. A masked part reads "(sensitive value)".
import { ShownValue } from "./attribute-diff";
import { JsonValue, PlanJson } from "./plan-json";

/** What a masked part of a text reads: Terraform's own words in plan texts. */
export const SENSITIVE_TEXT = "(sensitive value)";

/** Secrets shorter than this are masked only where they are a whole value: as substrings they would mask noise. */
const MIN_SUBSTRING_SECRET = 4;

/** A secret's line or base64 is recognisable from this length on; shorter parts occur by chance. */
const MIN_DERIVED_SECRET = 6;

/** The values of the plan's sensitive variables. */
export function sensitiveValues(plan: PlanJson): string[] {
  const declared = plan.configuration?.root_module?.variables ?? {};
  const values: string[] = [];
  const collect = (value: JsonValue | undefined): void => {
    if (typeof value === "string" && value !== "") values.push(value);
    else if (typeof value === "number" || typeof value === "boolean") values.push(String(value));
    else if (typeof value === "object" && value !== null) Object.values(value).forEach(collect);
  };
  for (const [name, variable] of Object.entries(declared)) {
    if (variable.sensitive) collect(plan.variables?.[name]?.value);
  }
  return [...new Set(values)];
}

/**
 * The base64 a secret leaves in any base64 text that encodes it: its own encoding, and for each of the three
 * byte alignments it can start at in a longer text, the characters that depend on its bytes only.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const inner = [0, 1, 2].map((offset) => {
    const rest = bytes.subarray(offset);
    return rest.subarray(0, rest.length - (rest.length % 3)).toString("base64");
  });
  return [bytes.toString("base64"), ...inner];
}

/** The secret inside quotes: JSON-style escapes, and Terraform's `$${` and `%%{` on top. */
function quotedForms(secret: string): string[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  return [escaped, escaped.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{")];
}

/** A multi-line value is shown as a heredoc, each line indented: each line is a form of its own. */
function lineForms(secret: string): string[] {
  const lines = secret.split(/\r?\n/).map((line) => line.trim());
  return lines.length > 1 ? lines.filter((line) => line.length >= MIN_DERIVED_SECRET) : [];
}

/** Every form of one secret: as written and trimmed (a file ends with a newline), quoted, line by line, base64. */
function secretForms(secret: string): string[] {
  const written = [...new Set([secret, secret.trim()])].filter((form) => form !== "");
  const forms = [
    ...written,
    ...written.flatMap(quotedForms),
    ...lineForms(secret),
    ...written.filter((form) => form.length >= MIN_DERIVED_SECRET).flatMap(base64Forms),
  ];
  return [...new Set(forms)].filter((form) => form !== "");
}

/** Hides every form of some secret values in texts and values. Never exposes the values themselves. */
export class SecretMask {
  // `#` fields: JSON.stringify, console.log and a test's failure diff never print them.
  /** Every form: a value equal to one is masked whatever its length. */
  readonly #whole: ReadonlySet<string>;
  /** Forms long enough to be masked where they occur inside a text. */
  readonly #inner: readonly string[];

  constructor(secrets: Iterable<string>) {
    this.#whole = new Set([...secrets].flatMap(secretForms));
    this.#inner = [...this.#whole].filter((form) => form.length >= MIN_SUBSTRING_SECRET);
  }

  /** The text with every occurrence of a form replaced by SENSITIVE_TEXT; overlapping ones become one. */
  text(text: string): string {
    const spans: Array<[number, number]> = [];
    for (const form of this.#inner) {
      for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) spans.push([at, at + form.length]);
    }
    if (spans.length === 0) return text;
    spans.sort((a, b) => a[0] - b[0]);
    let result = "";
    let cursor = 0;
    let [start, end] = spans[0];
    for (const [from, to] of spans.slice(1)) {
      if (from <= end) {
        end = Math.max(end, to);
        continue;
      }
      result += `${text.slice(cursor, start)}${SENSITIVE_TEXT}`;
      cursor = end;
      [start, end] = [from, to];
    }
    return `${result}${text.slice(cursor, start)}${SENSITIVE_TEXT}${text.slice(end)}`;
  }

  /** Some part of the value (a string, a number, a key of an object) holds a form of a secret. */
  leaks(value: unknown): boolean {
    if (typeof value === "string") return this.#whole.has(value) || this.#inner.some((form) => value.includes(form));
    if (typeof value === "number" || typeof value === "boolean") return this.leaks(String(value));
    if (Array.isArray(value)) return value.some((item) => this.leaks(item));
    if (typeof value === "object" && value !== null) return Object.entries(value).some(([key, item]) => this.leaks(key) || this.leaks(item));
    return false;
  }

  /** One side of an attribute change: "sensitive" as a whole when any part of it holds a secret. */
  shown(value: ShownValue): ShownValue {
    return value.kind === "value" && this.leaks(value.value) ? { kind: "sensitive" } : value;
  }

  /** A settings value with every part that holds a secret masked, keys included; its shape is kept. */
  value(value: unknown): unknown {
    if (typeof value === "string") return this.#whole.has(value) ? SENSITIVE_TEXT : this.text(value);
    if (typeof value === "number" || typeof value === "boolean") return this.leaks(value) ? SENSITIVE_TEXT : value;
    if (Array.isArray(value)) return value.map((item) => this.value(item));
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [this.#whole.has(key) ? SENSITIVE_TEXT : this.text(key), this.value(item)]));
    }
    return value;
  }
}
