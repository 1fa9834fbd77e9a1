// Small statistics helpers for the benchmarks.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmtMs(x) {
  return `${x.toFixed(1)} ms`;
}

/** Prints a ratio against a goal: `name: 1.23x (goal <= 1.5x) OK`. */
export function verdict(name, ratio, goal, lowerIsBetter) {
  const ok = lowerIsBetter ? ratio <= goal : ratio >= goal;
  return `${name}: ${ratio.toFixed(2)}x (goal ${lowerIsBetter ? '<=' : '>='} ${goal}x) ${ok ? 'OK' : 'MISSED'}`;
}
