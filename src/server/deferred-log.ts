/** The logger methods the server's background parts use (a Fastify/pino logger has them). */
export interface ServerLog {
  info(message: string): void;
  warn(message: string): void;
}

/** Lines kept before a logger is attached; past this, the oldest go. */
const MAX_KEPT = 50;

/**
 * A logger for parts that start before the HTTP app, and so before its logger, exists: lines
 * are kept until {@link attach} and then passed on in order, so a warning at start (Redis
 * unreachable) is not lost.
 */
export class DeferredLog implements ServerLog {
  #target: ServerLog | null = null;
  readonly #kept: { level: 'info' | 'warn'; message: string }[] = [];

  info(message: string): void {
    this.#write('info', message);
  }

  warn(message: string): void {
    this.#write('warn', message);
  }

  /** Send kept lines and all later ones to `target`. */
  attach(target: ServerLog): void {
    this.#target = target;
    for (const { level, message } of this.#kept.splice(0)) target[level](message);
  }

  #write(level: 'info' | 'warn', message: string): void {
    if (this.#target !== null) {
      this.#target[level](message);
      return;
    }
    this.#kept.push({ level, message });
    if (this.#kept.length > MAX_KEPT) this.#kept.shift();
  }
}
