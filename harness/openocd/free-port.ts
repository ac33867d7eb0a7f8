/**
 * A TCP port that was free a moment ago: listen on port 0 on 127.0.0.1, read the port the
 * kernel chose, close. Someone else may take it before OpenOCD binds it; the supervisor sees
 * OpenOCD's "couldn't bind tcl to socket" and retries with a fresh port.
 */
import { createServer } from 'node:net';

export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
