/**
 * Starting and stopping a TCP server the way every endpoint of ours does: bound to one host
 * (loopback unless told otherwise: nothing of ours listens beyond this machine by default), on a
 * given port or a free one, with the bound port read back.
 */
import type { Server } from 'node:net';

/** Listens on `host:port` (port 0: a free one); resolves with the bound port, rejects with the listen error. */
export async function listenOn(server: Server, port = 0, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** Stops accepting; resolves once the server has closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
