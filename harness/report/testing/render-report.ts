/**
 * Renders a generated Allure report in headless Chromium and returns the text a reader sees:
 * the report is served over HTTP on 127.0.0.1 (its page fetches its data, which Chromium refuses
 * from file://), and Chromium dumps the DOM once the page has run.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { listenOn, closeServer } from '../../../lib/listen.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

/** The Chromium binary (Debian's package installs /usr/bin/chromium; .ci/setup installs it). */
export function chromiumPath(): string {
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(candidate)) return candidate;
  throw new Error('Chromium is not installed (apt-get install chromium; .ci/setup does): the report cannot be rendered');
}

export async function renderReportText(reportDir: string, timeoutMs = 60_000): Promise<string> {
  const server = createServer((request, response) => {
    const path = normalize(join(reportDir, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    const file = path.startsWith(reportDir) && existsSync(path) && statSync(path).isDirectory() ? join(path, 'index.html') : path;
    if (!file.startsWith(reportDir) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  const port = await listenOn(server, 0);
  try {
    const dom = await new Promise<string>((resolve, reject) => {
      const args = ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=15000', '--dump-dom', `http://127.0.0.1:${port}/index.html`];
      const child = spawn(chromiumPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`chromium exited with ${code} rendering ${reportDir}`));
      });
    });
    // The text between tags, without styles and scripts.
    return dom
      .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ');
  } finally {
    await closeServer(server);
  }
}
