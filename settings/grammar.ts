// The grammars settings values must follow, exactly as the platforms define them: Kubernetes names and labels
// (k8s.io/apimachinery/pkg/util/validation), OCI image references (distribution/reference), HTTP paths
// (RFC 3986), and the int32 range of the Kubernetes API's integer fields. Each check returns a problem (what is
// wrong and what would be valid) or undefined.

export const INT32_MAX = 2_147_483_647;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function dns1123Label(value: string): string | undefined {
  if (value.length <= 63 && DNS1123_LABEL.test(value)) return undefined;
  return `is not a valid Kubernetes name (DNS-1123 label: lowercase letters, digits and "-", alphanumeric at both ends, at most 63 characters${lengthNote(value, 63)})`;
}

export function dns1035Label(value: string): string | undefined {
  if (value.length <= 63 && DNS1035_LABEL.test(value)) return undefined;
  return `is not a valid Service name (DNS-1035 label: lowercase letters, digits and "-", starting with a letter, ending alphanumeric, at most 63 characters${lengthNote(value, 63)})`;
}

export function dns1123Subdomain(value: string, what = "name"): string | undefined {
  if (value.length <= 253 && DNS1123_SUBDOMAIN.test(value)) return undefined;
  return `is not a valid ${what} (DNS-1123 subdomain: dot-separated lowercase labels of letters, digits and "-", at most 253 characters${lengthNote(value, 253)})`;
}

/**
 * A host name a route and an Ingress accept: a DNS-1123 subdomain whose every label has at most 63 characters
 * (RFC 1123; the Gateway API and Ingress refuse a longer label at apply time) and that is not an IPv4 address
 * (an Ingress host and a route hostname must be names).
 */
export function hostName(value: string): string | undefined {
  const valid = 'dot-separated lowercase labels of letters, digits and "-", each at most 63 characters, at most 253 in all, not an IP address';
  if (value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) return `is not a valid host name (${valid}${lengthNote(value, 253)})`;
  const long = value.split(".").find((label) => label.length > 63);
  if (long !== undefined) return `is not a valid host name: its label "${long.slice(0, 20)}..." has ${long.length} characters (${valid})`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(value)) return `is an IP address, not a host name (${valid})`;
  return undefined;
}

/** A label key: an optional DNS-1123 subdomain prefix and "/", then a name of at most 63 characters. */
export function labelKey(value: string): string | undefined {
  const slash = value.lastIndexOf("/");
  const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
  const name = value.slice(slash + 1);
  const valid = "a name of at most 63 letters, digits, \"-\", \"_\" and \".\" (alphanumeric at both ends), optionally after a DNS-1123 subdomain prefix of at most 253 characters and \"/\"";
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return `is not a valid label key: its prefix "${prefix}" is not a DNS-1123 subdomain of at most 253 characters (valid: ${valid})`;
  if (name.length > 63 || !LABEL_NAME.test(name)) return `is not a valid label key (valid: ${valid}${lengthNote(name, 63)})`;
  return undefined;
}

export function labelValue(value: string): string | undefined {
  if (value.length <= 63 && LABEL_VALUE.test(value)) return undefined;
  return `is not a valid label value (at most 63 letters, digits, "-", "_" and ".", alphanumeric at both ends, or empty${lengthNote(value, 63)})`;
}

function lengthNote(value: string, max: number): string {
  return value.length > max ? `; this one has ${value.length}` : "";
}

// distribution/reference: name := [domain '/'] path-component ['/' path-component]*
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const REPOSITORY = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

/** An image repository ("envapi", "registry.local:5000/team/envapi"), without tag or digest. */
export function imageRepository(value: string): string | undefined {
  if (value.length <= NAME_TOTAL_LENGTH_MAX && REPOSITORY.test(value)) return undefined;
  return `is not an image repository (OCI reference grammar: [host[:port]/]path, lowercase path components of letters and digits separated by ".", "_", "__" or "-", joined by "/", at most ${NAME_TOTAL_LENGTH_MAX} characters; no tag or digest here)`;
}

export function imageTag(value: string): string | undefined {
  if (TAG.test(value)) return undefined;
  return 'is not an image tag (letters, digits, "_", "." and "-", not starting with "." or "-", at most 128 characters)';
}

// RFC 3986 path: segments of unreserved characters, sub-delims, ":", "@" and percent-encoded octets. No query,
// fragment, whitespace, quotes, backslashes or braces, so a path can go in a probe, an Ingress and a Caddyfile as is.
const HTTP_PATH = /^\/(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*$/;

export function httpPath(value: string): string | undefined {
  if (value.length <= 1024 && HTTP_PATH.test(value)) return undefined;
  return 'is not an HTTP path (starts with "/", then letters, digits and - . _ ~ ! $ & \' ( ) * + , ; = : @ / or %XX escapes; no query, spaces, quotes or braces; at most 1024 characters)';
}

/** Printable text on one line: no control characters (newlines, tabs, NUL). */
export function singleLine(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(value) ? "contains a control character (a newline, tab or NUL); write it on one line" : undefined;
}
