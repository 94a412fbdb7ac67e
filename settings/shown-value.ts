// How a value from outside (settings, a key, an argument) appears in a message: never a credential, never a flood.
// A URL's user-info and query are masked, a value in a secret's place is not shown at all, and long text is cut
// to a short prefix with its length, so one problem is a few lines whatever was pasted.

/** Longest text shown as it is; longer text shows its first PREFIX characters and its length. */
export const SHOWN_MAX = 80;
const PREFIX = 40;

// scheme://user[:password]@  and  ?query (up to a fragment or the end of the token)
const USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@"]*@/gi;
const QUERY = /(\?)[^#\s"]*/g;

/** `text` with every URL's user-info and query masked as "***". */
export function maskCredentials(text: string): string {
  return text.replace(USER_INFO, "$1***@").replace(QUERY, (match, mark: string) => (match.length > 1 ? `${mark}***` : match));
}

/** `text` cut to a short prefix with its length when longer than SHOWN_MAX. */
export function bounded(text: string): string {
  const chars = [...text];
  return chars.length > SHOWN_MAX ? `${chars.slice(0, PREFIX).join("")}… (${chars.length} characters)` : text;
}

/** A string as a message shows it: credentials masked, then bounded. */
export function shownText(text: string): string {
  return bounded(maskCredentials(text));
}

/** What a message says instead of a value that may be a secret. */
export function hiddenValue(value: unknown): string {
  return typeof value === "string" ? `(a value of ${[...value].length} characters, not shown: a secret's place)` : "(a value, not shown: a secret's place)";
}

/** The first `few` items and how many more: a message lists many items in a line. */
export function firstFew(items: readonly string[], few = 5): string {
  return items.length <= few ? items.join("; ") : `${items.slice(0, few).join("; ")}; and ${items.length - few} more`;
}
