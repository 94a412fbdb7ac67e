import { SecretMask, SENSITIVE_TEXT, sensitiveValues } from "../plan-report";
import { changePlans, FIXTURE_SECRETS } from "./_plan-fixtures";

const CANARY = "Zq7-canary-Lw4Xv9";
const base64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/** Every piece of `text` read as base64 at each of the four character alignments, decoded. */
function decodedPieces(text: string): string[] {
  return (text.match(/[A-Za-z0-9+/]{4,}={0,2}/g) ?? []).flatMap((run) =>
    [0, 1, 2, 3].map((shift) => {
      const piece = run.slice(shift).replace(/=+$/, "");
      return Buffer.from(piece.slice(0, piece.length - (piece.length % 4)), "base64").toString("latin1");
    }),
  );
}

/** The canary's pieces of `length` characters: none of them may be readable in a masked text. */
const piecesOf = (secret: string, length: number): string[] => Array.from({ length: secret.length - length + 1 }, (_, index) => secret.slice(index, index + length));

describe("SecretMask.text", () => {
  test("masks a secret as written, trimmed and as a quoted string shows it", () => {
    // GIVEN a secret read from a file (trailing newline) holding a quote and a template sequence
    const secret = 'pa"ss${word}-Lw4Xv9\n';
    const mask = new SecretMask([secret]);

    // WHEN texts holding it untrimmed, trimmed and escaped the way a plan quotes strings are masked
    const masked = mask.text(`a ${secret} b pa"ss\${word}-Lw4Xv9 c "pa\\"ss$\${word}-Lw4Xv9\\n" d`);

    // THEN each occurrence reads (sensitive value), the text around is kept
    expect(masked).toBe(`a ${SENSITIVE_TEXT} b ${SENSITIVE_TEXT} c "${SENSITIVE_TEXT}" d`);
  });

  test("masks the secret's base64 inside a longer base64 string at every byte alignment", () => {
    // GIVEN a secret and base64 strings that encode it after 0 to 5 bytes of other data, and before more
    const mask = new SecretMask([CANARY]);
    for (const prefix of ["", "a", "ab", "abc", "abcd", "abcde"]) {
      const encoded = base64(`${prefix}user=app\npassword=${CANARY}\nhost=db`);

      // WHEN the string is masked
      const masked = mask.text(`data = "${encoded}"`);

      // THEN the marker replaces the secret's part, and no 3 characters of the secret can be decoded from what is left
      expect(masked).toContain(SENSITIVE_TEXT);
      const readable = decodedPieces(masked).join("\n");
      for (const piece of piecesOf(CANARY, 3)) expect(readable).not.toContain(piece);
    }
  });

  test("masks the whole base64 of the secret, padding included", () => {
    // GIVEN a secret and its base64, as a Kubernetes Secret's data shows it
    const mask = new SecretMask([CANARY]);

    // WHEN the encoding is masked
    // THEN nothing of it is left
    expect(mask.text(`DB_PASSWORD = "${base64(CANARY)}"`)).toBe(`DB_PASSWORD = "${SENSITIVE_TEXT}"`);
  });

  test("masks each line of a multi-line secret, as a heredoc shows it", () => {
    // GIVEN a two-line secret file and a plan text showing it as an indented heredoc
    const mask = new SecretMask(["first-line-Lw4Xv9\nsecond-line-Zq7\n"]);

    // WHEN the text is masked
    const masked = mask.text("value = <<-EOT\n    first-line-Lw4Xv9\n    second-line-Zq7\nEOT");

    // THEN neither line is readable
    expect(masked).toBe(`value = <<-EOT\n    ${SENSITIVE_TEXT}\n    ${SENSITIVE_TEXT}\nEOT`);
  });

  test("overlapping and adjacent occurrences of two secrets become one marker", () => {
    // GIVEN two secrets that overlap in a text
    const mask = new SecretMask(["abcdef", "defghi"]);

    // WHEN the text is masked
    // THEN one marker covers both, nothing of either is left
    expect(mask.text("x abcdefghi y abcdefabcdef z")).toBe(`x ${SENSITIVE_TEXT} y ${SENSITIVE_TEXT} z`);
  });

  test("a short secret is masked only as a whole value, and has no base64 form", () => {
    // GIVEN a 3-character and a 5-character secret
    const mask = new SecretMask(["abc", "vwxyz"]);

    // WHEN texts and values holding them are masked
    // THEN the 3 characters stay in texts (they would mask noise) but not as a whole value; the 5 are masked in
    // texts, their base64 is not (a few base64 characters occur by chance)
    expect(mask.text("abcd vwxyz")).toBe(`abcd ${SENSITIVE_TEXT}`);
    expect(mask.leaks("abc")).toBe(true);
    expect(mask.leaks(base64("vwxyz"))).toBe(false);
  });
});

describe("SecretMask values", () => {
  test("a value leaks when a string, a number or a key anywhere in it holds a secret", () => {
    // GIVEN a mask of a secret string and a secret number
    const mask = new SecretMask([CANARY, "424242"]);

    // WHEN values are checked
    // THEN nested strings, base64, numbers and keys are found; other values are not
    expect(mask.leaks({ a: [{ b: `url://${CANARY}@db` }] })).toBe(true);
    expect(mask.leaks({ blob: base64(`x${CANARY}`) })).toBe(true);
    expect(mask.leaks([1, 424242])).toBe(true);
    expect(mask.leaks({ [CANARY]: "value" })).toBe(true);
    expect(mask.leaks({ a: ["hello", 1, true, null] })).toBe(false);
  });

  test("shown() turns a leaking attribute value into (sensitive), as a whole", () => {
    // GIVEN an attribute value a provider forgot to mark sensitive
    const mask = new SecretMask([CANARY]);

    // WHEN it is shown
    // THEN it is sensitive; other kinds are kept
    expect(mask.shown({ kind: "value", value: { env: [`PASSWORD=${CANARY}`] } })).toEqual({ kind: "sensitive" });
    expect(mask.shown({ kind: "value", value: "hello" })).toEqual({ kind: "value", value: "hello" });
    expect(mask.shown({ kind: "unknown" })).toEqual({ kind: "unknown" });
  });

  test("value() masks the secret parts of a settings value and keeps its shape", () => {
    // GIVEN a settings value with a pasted secret in a string, a key and a list
    const mask = new SecretMask([CANARY]);

    // WHEN it is masked
    // THEN only those parts change
    expect(mask.value({ url: `postgres://app:${CANARY}@db`, [CANARY]: 1, list: [CANARY, 2, false], port: 5432 })).toEqual({
      url: `postgres://app:${SENSITIVE_TEXT}@db`,
      [SENSITIVE_TEXT]: 1,
      list: [SENSITIVE_TEXT, 2, false],
      port: 5432,
    });
  });

  test("the mask never shows what it holds", () => {
    // GIVEN a mask of the canary
    const mask = new SecretMask([CANARY]);

    // WHEN it is serialized, as a log or a failing test's diff would
    // THEN neither the canary nor its base64 is there
    expect(JSON.stringify(mask)).not.toContain(CANARY);
    expect(JSON.stringify(mask)).not.toContain(base64(CANARY).slice(0, 12));
  });
});

describe("sensitiveValues", () => {
  test("the recorded plans' sensitive variables are the fixture passwords", () => {
    // GIVEN the recorded plans, made with TF_VAR_api_db_password set
    // WHEN their sensitive values are read
    const values = changePlans().flatMap((plan) => (plan.plan ? sensitiveValues(plan.plan) : []));

    // THEN they are the dummies the fixtures were recorded with
    expect([...new Set(values)].sort()).toEqual(FIXTURE_SECRETS);
  });
});
