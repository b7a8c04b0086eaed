/**
 * Creates a client-side cap of `max` events per rolling minute: a render loop
 * that throws on every frame must not cost the user bandwidth or the server
 * its quota. Returns a function that says whether one more event may go.
 */
export function createRateCap(max: number, now: () => number = Date.now): () => boolean {
  const sent: number[] = [];
  return () => {
    const t = now();
    while (sent.length && t - sent[0] >= 60_000) sent.shift();
    if (sent.length >= max) return false;
    sent.push(t);
    return true;
  };
}
