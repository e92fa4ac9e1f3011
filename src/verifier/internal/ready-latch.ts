/**
 * "Loaded" as a promise any number of callers can await: settled once, resolved by
 * {@link open} or rejected by {@link close}, whichever comes first.
 *
 * @example
 * const latch = new ReadyLatch();
 * await Promise.race([latch.wait(), …]);
 * latch.open();                                // every wait() resolves
 * latch.close('closed before it was loaded');  // or: every pending wait() rejects
 */
export class ReadyLatch {
  #open = false;
  #closedWith: Error | null = null;
  readonly #waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  get isOpen(): boolean {
    return this.#open;
  }

  /** Resolves once open; rejects once closed without having opened. */
  wait(): Promise<void> {
    if (this.#open) return Promise.resolve();
    if (this.#closedWith !== null) return Promise.reject(this.#closedWith);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  open(): void {
    if (this.#open || this.#closedWith !== null) return;
    this.#open = true;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  /** Reject every wait with `message`, unless already open. */
  close(message: string): void {
    if (this.#open || this.#closedWith !== null) return;
    this.#closedWith = new Error(message);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#closedWith);
  }
}
