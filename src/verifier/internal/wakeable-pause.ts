/**
 * Waits between retries that {@link wake} can cut short (on close), on timers that never keep
 * the process alive.
 */
export class WakeablePause {
  #wake: (() => void) | null = null;

  /** Resolves after `ms`, or at once when {@link wake} is called. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#wake = done;
    });
  }

  /** End the current sleep, if any. */
  wake(): void {
    this.#wake?.();
  }
}
