import type { Server } from 'node:http';

/** Stops a loopback test server at once: open keep-alive and streaming connections are cut, not awaited. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
