/**
 * A seeded generator and the draws the judge's tests and bench need, so the
 * synthetic data are the same on every run and every machine.
 */

/**
 * Marsaglia's 32-bit xorshift with the shift triple (13, 17, 5), from
 * "Xorshift RNGs", Journal of Statistical Software 8(14), 2003: plenty for
 * test data, never for anything secret.
 */
export function seededRandom(seed: number): () => number {
  // A zero state would stay zero; any other 32-bit state cycles through all 2³² − 1.
  let state = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  // Small seeds start with few bits set; a few rounds spread them before any value is used.
  for (let i = 0; i < 16; i++) next();
  return next;
}

/** Log-normal draws, the usual shape of request latencies: median `median`, log-scale spread `sigma`. */
export function logNormalSamples(random: () => number, count: number, median: number, sigma: number): number[] {
  const out: number[] = [];
  while (out.length < count) {
    // Box–Muller: two uniforms give two independent standard normals.
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    out.push(median * Math.exp(sigma * r * Math.cos(2 * Math.PI * v)));
    if (out.length < count) out.push(median * Math.exp(sigma * r * Math.sin(2 * Math.PI * v)));
  }
  return out;
}

/** Events among `trials`, each with probability `rate`. */
export function binomialCount(random: () => number, trials: number, rate: number): number {
  let events = 0;
  for (let i = 0; i < trials; i++) if (random() < rate) events++;
  return events;
}
