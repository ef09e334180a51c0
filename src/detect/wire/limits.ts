/** Inspect at most this many payload packets of a flow that shows nothing we know. */
export const MAX_MISSES = 6;
/** A JSON or HTTP flow that has not shown a mining method after this many payload packets is left alone. */
export const MAX_RPC_PROBE = 64;
/** A JSON-looking flow that has not completed enough lines after this many payload packets is left alone. */
export const MAX_JSON_PACKETS = 1024;
export const MAX_TLS_HELLO = 16 * 1024;
/**
 * Messages of a recognised mining flow read in full: enough for the handshake (agent, login) and the first jobs and
 * submits; after that the flow is only counted, as DPI engines stop once a flow is classified.
 */
export const MAX_INSPECTED_MESSAGES = 16;
/** Live mode: mining messages to wait for the login before reporting a flow anyway. */
export const LIVE_WAIT_MESSAGES = 8;
export const MAX_KEPT_FINDINGS = 10_000;
