// Public API of the gateway part: `tessera gateway` as a library, for those who embed it.
export { GatewayConfigError } from './gateway-config-error.js';
export {
  GATEWAY_SETTINGS,
  resolveGatewayConfig,
  type CookieSessionConfig,
  type GatewayConfig,
  type GatewaySetting,
  type GatewaySettingKey,
  type RawGatewaySettings,
} from './gateway-config.js';
export {
  createGatewayHandler,
  IDENTITY_HEADERS,
  type GatewayHandlerParts,
} from './gateway-handler.js';
export {
  createRouteTable,
  parseRouteTable,
  type RouteDecision,
  type RouteRule,
  type RouteTable,
} from './route-table.js';
export {
  createSessionRefresher,
  type RefreshedSession,
  type RefreshFailure,
  type RefreshOutcome,
  type SessionRefresher,
  type SessionRefresherOptions,
} from './session-refresher.js';
export {
  authenticateWithSession,
  type CookieSessionParts,
  type GatedAuthentication,
} from './cookie-session-gate.js';
export { startGateway, type RunningGateway, type StartGatewayOptions } from './start-gateway.js';
export {
  createUpstreamForwarder,
  type ForwardOptions,
  type UpstreamForwarder,
  type UpstreamForwarderOptions,
} from './upstream-forwarder.js';
