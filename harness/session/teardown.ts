/**
 * Teardown in reverse order of set-up, Playwright-fixture style: every step runs even when an
 * earlier one failed; the first error is kept and thrown at the end, the others are listed.
 */

export interface TeardownFailure {
  readonly name: string;
  readonly error: unknown;
}

export class TeardownError extends Error {
  constructor(readonly failures: readonly TeardownFailure[]) {
    super(
      `teardown: ${failures.length} step(s) failed: ${failures.map((f) => `${f.name}: ${f.error instanceof Error ? f.error.message.split('\n')[0] : String(f.error)}`).join('; ')}`,
      { cause: failures[0]?.error },
    );
    this.name = 'TeardownError';
  }
}

export class TeardownStack {
  private readonly steps: { name: string; run: () => unknown }[] = [];
  private done = false;

  push(name: string, run: () => unknown): void {
    if (this.done) throw new Error(`teardown already ran; cannot add "${name}"`);
    this.steps.push({ name, run });
  }

  get size(): number {
    return this.steps.length;
  }

  /** Runs every step, last pushed first. Returns the failures (empty when all went well). */
  async run(): Promise<TeardownFailure[]> {
    this.done = true;
    const failures: TeardownFailure[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.run();
      } catch (error) {
        failures.push({ name: step.name, error });
      }
    }
    return failures;
  }
}
