/**
 * The prefilter only has to find *some* part of a literal a rule cannot match without, so long literals are cut to
 * their most telling window. This keeps the automaton small enough to stay in the CPU cache (SigmaHQ has
 * 100-character reverse-shell one-liners) at the price of a few more candidates, which the exact test then drops.
 */
export const MAX_NEEDLE = 12;

/** How much a character tells a literal apart from ordinary command lines and paths. */
function weight(c: number): number {
  if (c === 32) return 0.2; // space
  if (c === 47) return 0.4; // '/'
  if (c === 46 || c === 45 || c === 95) return 0.7; // '.', '-', '_'
  if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) return 1;
  return 2; // shell punctuation: & > < | ; $ ( ) { } ' " ...
}

/** The window of at most MAX_NEEDLE characters with the highest weight (the earliest among equals). */
export function needleWindow(text: string): string {
  if (text.length <= MAX_NEEDLE) return text;
  let sum = 0;
  for (let i = 0; i < MAX_NEEDLE; i++) sum += weight(text.charCodeAt(i));
  let best = sum;
  let at = 0;
  for (let i = MAX_NEEDLE; i < text.length; i++) {
    sum += weight(text.charCodeAt(i)) - weight(text.charCodeAt(i - MAX_NEEDLE));
    // A small margin so float drift never prefers a later window of equal weight.
    if (sum > best + 1e-9) {
      best = sum;
      at = i - MAX_NEEDLE + 1;
    }
  }
  return text.slice(at, at + MAX_NEEDLE);
}
