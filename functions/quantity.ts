import { memo } from "./memo.js";

// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource), parsed
// exactly: every quota sum in crossvdc goes through here, so there is no float
// rounding and "1.5Gi" + "512Mi" is exactly "2Gi".

/** The serialized form Kubernetes accepts, as a regular expression. */
export const QUANTITY_PATTERN =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))" +
  "(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";
const QUANTITY_RE = new RegExp(QUANTITY_PATTERN);
/** The same without a minus sign: what the XRDs accept for quota figures. */
export const NON_NEGATIVE_QUANTITY_PATTERN = QUANTITY_PATTERN.replace("^(\\+|-)?", "^\\+?");

// Values are held in nano-units (10^-9), the smallest suffix Kubernetes has.
const NANO = 1_000_000_000n;
const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL_EXP: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

/** Kubernetes refuses quantities beyond int64 in their base unit; so do we. */
export const MAX_QUANTITY = (1n << 63n) - 1n;

export class QuantityError extends Error {}

/**
 * Parses a quantity into exact nano-units. Negative quantities are refused
 * because nothing crossvdc sums (cpu, memory, storage, counts) can be negative.
 */
export function parseQuantity(input: string | number): bigint {
  return parseCached(String(input));
}

const parseCached = memo(parse);

function parse(input: string): bigint {
  const s = input.trim();
  if (!QUANTITY_RE.test(s))
    throw new QuantityError(`"${truncate(s)}" is not a Kubernetes quantity`);
  if (s.startsWith("-")) throw new QuantityError(`"${truncate(s)}" is negative`);
  const m = /^\+?([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(s)!;
  const whole = m[1] ?? "";
  const frac = m[2] ?? "";
  const suffix = m[3] ?? "";
  // mantissa as an integer, with `scale` decimal digits after the point
  const mantissa = BigInt((whole + frac).replace(/^0+(?=.)/, "") || "0");
  const scale = frac.length;
  let multiplier = 1n;
  let exp = 0;
  if (suffix in BINARY) multiplier = BINARY[suffix]!;
  else if (suffix in DECIMAL_EXP) exp = DECIMAL_EXP[suffix]!;
  else {
    const e = Number(suffix.slice(1));
    if (!Number.isInteger(e)) throw new QuantityError(`"${truncate(s)}" has a fractional exponent`);
    if (e > 40) throw new QuantityError(`"${truncate(s)}" is too large`);
    exp = e;
  }
  // value = mantissa * multiplier * 10^(exp - scale), in nano-units * 10^9
  const pow = exp - scale + 9;
  let value = mantissa * multiplier;
  if (pow >= 0) value *= 10n ** BigInt(pow);
  else {
    const div = 10n ** BigInt(-pow);
    // Kubernetes rounds up fractions of its smallest unit
    value = (value + div - 1n) / div;
  }
  if (value / NANO > MAX_QUANTITY) throw new QuantityError(`"${truncate(s)}" is too large`);
  return value;
}

export function isQuantity(input: unknown): input is string | number {
  if (typeof input !== "string" && typeof input !== "number") return false;
  try {
    parseQuantity(input);
    return true;
  } catch {
    return false;
  }
}

/**
 * Formats nano-units the way a person reads a quota: binary suffixes for byte
 * quantities, plain or milli for cpu. Exact: never rounds.
 */
export function formatQuantity(nano: bigint, kind: "bytes" | "cpu" | "count"): string {
  return formatCached[kind](nano);
}

// Every reconcile formats the same few figures; BigInt division allocates.
const formatCached = {
  bytes: memo((nano: bigint) => format(nano, "bytes")),
  cpu: memo((nano: bigint) => format(nano, "cpu")),
  count: memo((nano: bigint) => format(nano, "count")),
};

function format(nano: bigint, kind: "bytes" | "cpu" | "count"): string {
  const neg = nano < 0n;
  const abs = neg ? -nano : nano;
  const sign = neg ? "-" : "";
  if (abs % NANO === 0n) {
    const units = abs / NANO;
    if (kind === "bytes" && units > 0n) {
      for (const suffix of ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"]) {
        const f = BINARY[suffix]!;
        if (units % f === 0n) return `${sign}${units / f}${suffix}`;
      }
    }
    return `${sign}${units}`;
  }
  if (abs % 1_000_000n === 0n) return `${sign}${abs / 1_000_000n}m`;
  if (abs % 1_000n === 0n) return `${sign}${abs / 1_000n}u`;
  return `${sign}${abs}n`;
}

/** Percentage (0-100, two decimals) of used over hard; 0 when hard is zero. */
export function percent(used: bigint, hard: bigint): number {
  if (hard <= 0n) return used > 0n ? 100 : 0;
  return Number((used * 10_000n) / hard) / 100;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
