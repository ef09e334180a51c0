// Packet times as a wire report shows them (the JS formatter; late-texts.ts has the addon format a whole report's).

/** Year 10000: past it toISOString writes six-digit years, which only Date itself formats. */
const FAST_ISO_LIMIT = 253_402_300_800_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
const HOUR_TEXT = TWO_DIGITS.slice(0, 24).map((d) => `${d}:`);
const MINUTE_TEXT = TWO_DIGITS.map((d) => `${d}:`);
const SECOND_TEXT = TWO_DIGITS.map((d) => `${d}.`);
/** '000Z' to '999Z': the milliseconds and the zone in one piece. */
const MILLI_Z = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(3, '0')}Z`);
/** The text of the day formatted last, and which day it was. */
let isoDay = -1;
let isoDayText = '';
/**
 * The texts of seconds formatted so far ('2024-01-02T03:04:05.'), in a small direct-mapped table by second: a report
 * asks for each flow's first and last packet and detection time, so the seconds asked for jump back and forth and
 * a cache of the last one alone missed on most calls.
 */
const SECOND_SLOTS = 512;
const slotSecond = new Float64Array(SECOND_SLOTS).fill(-1);
const slotText: string[] = new Array<string>(SECOND_SLOTS).fill('');

/** '2024-01-02T03:04:05.' for a second since the epoch, joined flat (the many times of that second share it). */
function secondText(second: number): string {
  const minute = Math.floor(second / 60);
  const day = Math.floor(minute / 1440);
  if (day !== isoDay) {
    isoDay = day;
    isoDayText = new Date(day * 86_400_000).toISOString().slice(0, 11);
  }
  const inDay = minute - day * 1440;
  const hour = Math.floor(inDay / 60);
  return [
    isoDayText,
    HOUR_TEXT[hour] as string,
    MINUTE_TEXT[inDay - hour * 60] as string,
    SECOND_TEXT[second - minute * 60] as string,
  ].join('');
}

/**
 * Packet times as Date#toISOString writes them. Date's formatter is slow, so a second's text is formatted once and
 * kept, and a time is that text and its milliseconds: one small string that points at both. Times outside Date's
 * range (hostile timestamps) are shown as the epoch rather than failing the report.
 */
export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < FAST_ISO_LIMIT)) return new Date(ms >= 0 && ms <= 8.64e15 ? ms : 0).toISOString();
  // Date keeps whole milliseconds (TimeClip truncates), and ms is not negative here.
  const t = Math.floor(ms);
  const second = Math.floor(t / 1000);
  const i = second & (SECOND_SLOTS - 1);
  let text = slotText[i] as string;
  if (slotSecond[i] !== second) {
    text = secondText(second);
    slotSecond[i] = second;
    slotText[i] = text;
  }
  return text + (MILLI_Z[t - second * 1000] as string);
}
