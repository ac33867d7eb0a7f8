/**
 * A TCP port that was free a moment ago: listen on port 0, read the port the kernel chose,
 * close. OpenOCD 0.12 cannot listen on port 0 itself, so it needs a number; someone else may
 * take the port before it binds, which callers that care (the OpenOCD supervisor) retry.
 * Dependency-free: harness/ and fixtures/ both import it.
 */
import { createServer } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
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
