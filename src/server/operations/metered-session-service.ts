import { SessionService, type SessionServiceDependencies } from '../../sessions/session-service.js';

/** How a refresh ended: new tokens, refused, or refused as reuse (its session ended). */
export type SessionRefreshOutcome = 'ok' | 'failed' | 'reused';

/**
 * The session service, telling `onRefreshOutcome` how every refresh ended, wherever it was
 * asked for: the `/oauth/token` grant and cookie mode's transparent refresh alike. Counting
 * here, where the rotation happens, rather than from HTTP answers, sees refreshes that no
 * route answers as such, and tells reuse (RFC 9700 §4.14.2) from any other refusal without
 * looking the token up again. Concurrent cookie refreshes that share one rotation count once.
 *
 * @example
 * const sessions = new MeteredSessionService(deps, (outcome) => metrics.countRefresh(outcome));
 */
export class MeteredSessionService extends SessionService {
  readonly #onRefreshOutcome: (outcome: SessionRefreshOutcome) => void;

  constructor(
    dependencies: SessionServiceDependencies,
    onRefreshOutcome: (outcome: SessionRefreshOutcome) => void,
  ) {
    super(dependencies);
    this.#onRefreshOutcome = onRefreshOutcome;
  }

  /**
   * {@inheritDoc SessionService.refresh}
   * @throws whatever the store throws; such a refresh is not counted (it has no outcome).
   */
  override async refresh(
    ...args: Parameters<SessionService['refresh']>
  ): ReturnType<SessionService['refresh']> {
    const result = await super.refresh(...args);
    this.#onRefreshOutcome(result.ok ? 'ok' : result.reason === 'reused' ? 'reused' : 'failed');
    return result;
  }
}
