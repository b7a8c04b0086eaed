import { getClient } from './client';

/** Sends everything batched and retries the offline queue; resolves when done (never rejects). */
export async function flush(): Promise<void> {
  const c = getClient();
  if (!c) return;
  await c.transport.flush();
  await c.transport.retryQueued();
}
