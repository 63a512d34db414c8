import { execFileSync } from "node:child_process";

/**
 * CPU time of one raw P-256 ECDSA verify as OpenSSL measures it itself
 * (`openssl speed ecdsap256`, which counts user CPU time), in microseconds: the floor
 * any ES256 verification in this process can approach.
 */
export function opensslVerifyMicros(seconds = 3): number {
  let out: string;
  try {
    out = execFileSync("openssl", ["speed", "-seconds", String(seconds), "ecdsap256"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch (error) {
    throw new Error(`openssl speed ecdsap256 failed (is the openssl CLI installed?): ${error instanceof Error ? error.message : String(error)}`);
  }
  // " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  32417.2   9397.5": the last figure is verify/s.
  const line = out.split("\n").find((l) => /ecdsa \(nistp256\)/.test(l));
  const perSecond = Number(line?.trim().split(/\s+/).at(-1));
  if (!line || !Number.isFinite(perSecond) || perSecond <= 0) throw new Error(`no nistp256 verify/s figure in openssl speed's output:\n${out}`);
  return 1e6 / perSecond;
}

export const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
