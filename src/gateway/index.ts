// Public API of the gateway part: `tessera gateway` as a library, for those who embed it.
export { GatewayConfigError } from './gateway-config-error.js';
export {
  GATEWAY_SETTINGS,
  resolveGatewayConfig,
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
export { startGateway, type RunningGateway, type StartGatewayOptions } from './start-gateway.js';
export {
  createUpstreamForwarder,
  type UpstreamForwarder,
  type UpstreamForwarderOptions,
} from './upstream-forwarder.js';
