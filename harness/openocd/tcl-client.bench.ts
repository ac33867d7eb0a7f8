/**
 * Tcl RPC round trip: our TclRpcClient against a raw socket doing the same framing (text +
 * 0x1a out, read to 0x1a), against the same real OpenOCD (no target), in one run.
 *
 * - client vs raw: raw sends the same wrapped text the client sends, so the ratio is the
 *   client's own overhead (queue, promise, timer, decode). Target: <= 1.10 x.
 * - wrapped vs bare: raw wrapped vs raw `return ok`, the cost of the catch wrapper in OpenOCD.
 * Rounds alternate the contenders; ratios are medians of per-round ratios.
 */
import { connect, type Socket } from 'node:net';
import { wrapCommand } from './rpc-wire.js';
import { startOpenOcdWithoutTarget } from './test-support.js';
import type { TclRpcClient } from './tcl-client.js';

const SEQUENTIAL_CALLS = 500;
const PIPELINED_CALLS = 5000;
const ROUNDS = 21;
const COMMAND = 'return ok';

/** Wall time and this process's CPU time of one measured block. */
interface Sample {
  wallMs: number;
  cpuMs: number;
}

async function measure(run: () => Promise<unknown>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function rawSocket(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Sends `count` requests of `text`, `window` at a time, and resolves when all replies are in. */
function rawRun(socket: Socket, text: string, count: number, window: number): Promise<void> {
  return new Promise((resolve) => {
    const one = text + '\x1a';
    let sent = 0;
    let received = 0;
    const sendMore = (): void => {
      const n = Math.min(window - (sent - received), count - sent);
      if (n <= 0) return;
      socket.write(n === 1 ? one : one.repeat(n));
      sent += n;
    };
    const onData = (chunk: Buffer): void => {
      let i = chunk.indexOf(0x1a);
      while (i >= 0) {
        received++;
        i = chunk.indexOf(0x1a, i + 1);
      }
      if (received >= count) {
        socket.off('data', onData);
        resolve();
      } else {
        sendMore();
      }
    };
    socket.on('data', onData);
    sendMore();
  });
}

async function clientSequential(client: TclRpcClient, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await client.call(COMMAND);
}

async function clientPipelined(client: TclRpcClient, count: number): Promise<void> {
  const calls: Promise<string>[] = new Array(count);
  for (let i = 0; i < count; i++) calls[i] = client.call(COMMAND);
  await Promise.all(calls);
}

const openocd = await startOpenOcdWithoutTarget();
try {
  const client = openocd.tcl;
  // The raw sockets need the wrapper proc too: the client's connection already defined it
  // (procs are global in OpenOCD's interpreter).
  const raw = await rawSocket(openocd.tclPort);
  const wrapped = wrapCommand(COMMAND);

  // Warm-up (JIT, OpenOCD's proc compilation).
  await clientSequential(client, 300);
  await clientPipelined(client, 2000);
  await rawRun(raw, wrapped, 300, 1);
  await rawRun(raw, COMMAND, 300, 1);

  // Contenders alternate within each round (order flipped every round) and each round gives
  // a ratio; medians over rounds resist the noise of a shared, loaded machine.
  const seqClient: Sample[] = [];
  const seqRaw: Sample[] = [];
  const seqBare: Sample[] = [];
  const pipeClient: Sample[] = [];
  const pipeRaw: Sample[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const runClientSeq = async (): Promise<number> => seqClient.push(await measure(() => clientSequential(client, SEQUENTIAL_CALLS)));
    const runRawSeq = async (): Promise<number> => seqRaw.push(await measure(() => rawRun(raw, wrapped, SEQUENTIAL_CALLS, 1)));
    const runClientPipe = async (): Promise<number> => pipeClient.push(await measure(() => clientPipelined(client, PIPELINED_CALLS)));
    const runRawPipe = async (): Promise<number> => pipeRaw.push(await measure(() => rawRun(raw, wrapped, PIPELINED_CALLS, PIPELINED_CALLS)));
    if (r % 2 === 0) {
      await runClientSeq();
      await runRawSeq();
      await runClientPipe();
      await runRawPipe();
    } else {
      await runRawSeq();
      await runClientSeq();
      await runRawPipe();
      await runClientPipe();
    }
    seqBare.push(await measure(() => rawRun(raw, COMMAND, SEQUENTIAL_CALLS, 1)));
  }
  raw.destroy();

  const med = (xs: Sample[], f: (s: Sample) => number): number => median(xs.map(f));
  const ratio = (a: Sample[], b: Sample[], f: (s: Sample) => number): number => median(a.map((x, i) => f(x) / f(b[i] as Sample)));
  const wall = (s: Sample): number => s.wallMs;
  const cpu = (s: Sample): number => s.cpuMs;
  const us = (ms: number, calls: number): string => ((ms * 1000) / calls).toFixed(1);
  console.log(`bench tcl-roundtrip-client: ${us(med(seqClient, wall), SEQUENTIAL_CALLS)} us`);
  console.log(`bench tcl-roundtrip-raw: ${us(med(seqRaw, wall), SEQUENTIAL_CALLS)} us`);
  console.log(`bench tcl-client-vs-raw: ${ratio(seqClient, seqRaw, wall).toFixed(3)} x`);
  console.log(`bench tcl-roundtrip-raw-bare: ${us(med(seqBare, wall), SEQUENTIAL_CALLS)} us`);
  console.log(`bench tcl-wrapped-vs-bare: ${ratio(seqRaw, seqBare, wall).toFixed(3)} x`);
  console.log(`bench tcl-pipelined-client: ${Math.round(PIPELINED_CALLS / (med(pipeClient, wall) / 1000))} calls/s`);
  console.log(`bench tcl-pipelined-raw: ${Math.round(PIPELINED_CALLS / (med(pipeRaw, wall) / 1000))} calls/s`);
  console.log(`bench tcl-pipelined-client-vs-raw: ${ratio(pipeClient, pipeRaw, wall).toFixed(3)} x`);
  // Node-side CPU per call (includes reading OpenOCD's echoed log lines, same for both sides).
  console.log(`bench tcl-cpu-per-call-client: ${us(med(pipeClient, cpu), PIPELINED_CALLS)} us`);
  console.log(`bench tcl-cpu-per-call-raw: ${us(med(pipeRaw, cpu), PIPELINED_CALLS)} us`);
} finally {
  await openocd.stop();
}
