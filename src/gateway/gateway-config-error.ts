/**
 * A gateway setting the operator must fix (a flag, a variable, the config file); the message
 * names the setting and what is expected. A caller mistake, hence a `TypeError` (STYLE.md),
 * which `tessera` answers with exit code 64.
 */
export class GatewayConfigError extends TypeError {
  override name = 'GatewayConfigError';
}
