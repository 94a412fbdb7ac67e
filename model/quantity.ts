// Kubernetes resource quantities ("250m", "512Mi", "1.5"): parsing and the hints used in validation messages.

const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX_FACTORS: Readonly<Record<string, number>> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** True when `value` is a valid Kubernetes quantity. */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/** The numeric value of a quantity in base units (cores or bytes); throws on a malformed quantity. */
export function parseQuantity(value: string): number {
  const match = QUANTITY.exec(value);
  if (!match) {
    throw new Error(`"${value}" is not a Kubernetes quantity`);
  }
  const [, digits, suffix = ""] = match;
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX_FACTORS[suffix];
  return Number(digits) * factor;
}

/** A likely intended spelling for a malformed quantity, e.g. "512mb" → "512Mi". */
export function suggestQuantity(value: string): string | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!match) return undefined;
  const [, digits, unit] = match;
  const binary: Readonly<Record<string, string>> = {
    kb: "Ki", kib: "Ki", mb: "Mi", mib: "Mi", gb: "Gi", gib: "Gi", tb: "Ti", tib: "Ti",
    ki: "Ki", mi: "Mi", gi: "Gi", ti: "Ti", g: "Gi", cpu: "", cpus: "", core: "", cores: "", millicores: "m",
  };
  const mapped = binary[unit.toLowerCase()];
  return mapped === undefined ? undefined : `${digits}${mapped}`;
}
