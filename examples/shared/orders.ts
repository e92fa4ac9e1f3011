import type { RequestIdentity } from '../../src/verifier/http/request-identity.js';

// The orders API the three examples serve, kept free of any framework so that each example
// shows only what differs: how Tessera's middleware plugs in.

/** Things anyone may see. */
export const PRODUCTS = Object.freeze([
  { id: 'p-1', name: 'Espresso beans, 1 kg' },
  { id: 'p-2', name: 'Grinder' },
]);

export interface Order {
  readonly id: string;
  readonly product: string;
  readonly quantity: number;
  /** `sub` of the token that placed it. */
  readonly placedBy: string | null;
}

/** One app's orders, in memory. */
export class OrderBook {
  readonly #orders: Order[] = [
    { id: 'o-1', product: 'p-1', quantity: 2, placedBy: null },
    { id: 'o-2', product: 'p-2', quantity: 1, placedBy: null },
  ];

  list(): readonly Order[] {
    return [...this.#orders];
  }

  /**
   * Place an order from a request body, or say what is wrong with it.
   * @returns the order, or null when the body is not `{ product, quantity }` of a known product.
   */
  place(body: unknown, placedBy: string | null): Order | null {
    if (typeof body !== 'object' || body === null) return null;
    const { product, quantity } = body as { product?: unknown; quantity?: unknown };
    if (typeof product !== 'string' || !PRODUCTS.some((entry) => entry.id === product)) {
      return null;
    }
    if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1) {
      return null;
    }
    const order = { id: `o-${this.#orders.length + 1}`, product, quantity, placedBy };
    this.#orders.push(order);
    return order;
  }
}

/** What `GET /me` shows of an identity: never the token, only what it says. */
export function describeIdentity(identity: RequestIdentity): Record<string, unknown> {
  return {
    sub: identity.sub,
    scopes: identity.scopes,
    sid: identity.sid,
    clientId: identity.clientId,
    scheme: identity.scheme,
    dpopBound: identity.jkt !== null,
  };
}

/** The body of an answer to a request this API cannot make sense of. */
export const BAD_ORDER = Object.freeze({
  error: 'invalid_request',
  error_description: 'send { "product": "p-1", "quantity": 1 } with a known product',
});
