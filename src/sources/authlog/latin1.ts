/** Buffer's own decoders, without toString's argument handling (a measurable share when called per line). */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice: (start: number, end: number) => string })
  .utf8Slice;
export const utf8 = (buf: Buffer, start: number, end: number): string => utf8Slice.call(buf, start, end);
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (start: number, end: number) => string })
  .latin1Slice;
export const latin1 = (buf: Buffer, start: number, end: number): string => latin1Slice.call(buf, start, end);
