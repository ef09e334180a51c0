/**
 * Orders strings by UTF-16 code units. For ids, ISO timestamps and protocol names this is the order wanted, it
 * does not depend on the locale, and unlike localeCompare it does not load ICU's collation data (about 3 MB of
 * resident memory in a process that otherwise never needs it).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
