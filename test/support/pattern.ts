// Long expected messages as RegExps, written in lines of at most 100 characters like the code
// that makes them: the parts are joined, strings taken literally and RegExps as written.

/** The parts as one RegExp: a string matches itself, a RegExp its own pattern (no flags). */
export function pattern(...parts: (string | RegExp)[]): RegExp {
  return new RegExp(
    parts
      .map((p) => (typeof p === "string" ? p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : p.source))
      .join(""),
  );
}
