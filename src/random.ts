/**
 * Seeded pseudo-random numbers for workloads: sfc32, a small fast generator with a 128-bit state
 * that passes PractRand; seeded through splitmix32 so nearby seeds give unrelated streams.
 */
export function seededRandom(...seedParts: number[]): () => number {
  let h = 0x9e3779b9;
  for (const part of seedParts) h = splitmix32(h ^ (part >>> 0));
  let a = splitmix32(h);
  let b = splitmix32(a);
  let c = splitmix32(b);
  let d = splitmix32(c);
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
