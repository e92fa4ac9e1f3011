/**
 * The canonical form of a username: Unicode NFKC, trimmed, lower case. Accounts are created
 * and looked up by it, so 'Alice', 'alice ' and 'ａｌｉｃｅ' are one account, not three.
 */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}
