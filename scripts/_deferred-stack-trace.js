// Stands in for cdktf's tokens/private/stack-trace.js inside the synth bundle (see _synth-patches.js).
// cdktf records a creation stack for every token and formats it at once, though it only ever reads one to
// word an error. This captures the same frames at the same point (V8 records them when captureStackTrace
// runs) and formats them into the same lines only when something first reads the array.
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.captureStackTrace = captureStackTrace;

function captureStackTrace(below) {
  below = below || captureStackTrace; // hide myself if nothing else
  const object = {};
  const previousLimit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = Number.MAX_SAFE_INTEGER;
    Error.captureStackTrace(object, below);
  } finally {
    Error.stackTraceLimit = previousLimit;
  }
  let lines;
  const formatted = () =>
    (lines ??= object.stack
      ? object.stack
          .split("\n")
          .slice(1)
          .map((line) => line.replace(/^\s*at\s+/, ""))
      : []);
  return new Proxy([], {
    get(_, key) {
      const array = formatted();
      const value = Reflect.get(array, key, array);
      return typeof value === "function" ? value.bind(array) : value;
    },
    has: (_, key) => Reflect.has(formatted(), key),
    ownKeys: () => Reflect.ownKeys(formatted()),
    getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(formatted(), key),
  });
}
