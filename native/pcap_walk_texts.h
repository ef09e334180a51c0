// Texts a wire report needs for each of its thousands of findings, made in one call for all of them
// (src/detect/wire/late-texts.ts): packet times as Date#toISOString writes them, and finding ids as findingId in
// src/model/finding.ts derives them (f- and the first 24 hex digits of the SHA-256 of the key's UTF-8). One call
// replaces one or more slow JS calls per finding, and the texts come back as one string the findings slice.
#pragma once

// SHA256_Init/Update/Final hash in place; the one-shot SHA256() of OpenSSL 3 looks the digest up in its provider
// tables on every call (a lock and a hash lookup), which cost more than hashing a key. Deprecated, not removed.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

namespace pcapwalk {

// Year 10000 in ms: from there on toISOString writes six-digit years (JS formats those itself).
constexpr double kIsoLimit = 253402300800000.0;
constexpr size_t kIsoChars = 24;
constexpr size_t kIdChars = 26;

inline void TwoDigits(char* p, int v) {
  p[0] = char('0' + v / 10);
  p[1] = char('0' + v % 10);
}

// "YYYY-MM-DDTHH:MM:SS.mmmZ" at p for 0 <= ms < kIsoLimit (whole milliseconds, as Date keeps them); other times get
// 24 zeros, which JS never reads.
inline void IsoTime(double ms, char* p) {
  if (!(ms >= 0 && ms < kIsoLimit)) {
    std::memset(p, '0', kIsoChars);
    return;
  }
  const int64_t t = int64_t(std::floor(ms));
  const int64_t days = t / 86400000;
  int64_t inDay = t % 86400000;
  // Days since 1970-01-01 to a civil date (H. Hinnant's days_from_civil, inverted); days >= 0 here.
  const int64_t z = days + 719468;
  const int64_t era = z / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = int(doy - (153 * mp + 2) / 5 + 1);
  const int month = int(mp < 10 ? mp + 3 : mp - 9);
  const int year = int(yoe + era * 400 + (month <= 2 ? 1 : 0));
  const int milli = int(inDay % 1000);
  inDay /= 1000;
  TwoDigits(p, year / 100);
  TwoDigits(p + 2, year % 100);
  p[4] = '-';
  TwoDigits(p + 5, month);
  p[7] = '-';
  TwoDigits(p + 8, day);
  p[10] = 'T';
  TwoDigits(p + 11, int(inDay / 3600));
  p[13] = ':';
  TwoDigits(p + 14, int(inDay / 60 % 60));
  p[16] = ':';
  TwoDigits(p + 17, int(inDay % 60));
  p[19] = '.';
  p[20] = char('0' + milli / 100);
  TwoDigits(p + 21, milli % 100);
  p[23] = 'Z';
}

// "f-" and the first 24 hex digits of SHA-256(key) at p (26 chars).
inline void FindingId(const std::string& key, char* p) {
  static const char kHex[] = "0123456789abcdef";
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, key.data(), key.size());
  SHA256_Final(md, &ctx);
  p[0] = 'f';
  p[1] = '-';
  for (int i = 0; i < 12; i++) {
    p[2 + 2 * i] = kHex[md[i] >> 4];
    p[3 + 2 * i] = kHex[md[i] & 15];
  }
}

// isoTimes(times: Float64Array): string, 24 characters per time (IsoTime above).
inline Napi::Value IsoTimes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    Napi::TypeError::New(env, "isoTimes(times: Float64Array)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Float64Array times = info[0].As<Napi::Float64Array>();
  std::string out(times.ElementLength() * kIsoChars, '0');
  for (size_t i = 0; i < times.ElementLength(); i++) IsoTime(times[i], &out[i * kIsoChars]);
  return Napi::String::New(env, out);
}

// findingIds(keys: string[]): string, 26 characters per key (FindingId above of the key's UTF-8, as
// V8 writes it for crypto's hash: lone surrogates become U+FFFD).
inline Napi::Value FindingIds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    Napi::TypeError::New(env, "findingIds(keys: string[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array keys = info[0].As<Napi::Array>();
  const uint32_t n = keys.Length();
  std::string out(size_t(n) * kIdChars, '0');
  // Room for nearly every key, so most are written in one call (a key that may not have fit is measured first).
  std::string key(4096, '\0');
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value k = keys.Get(i);
    if (!k.IsString()) {
      Napi::TypeError::New(env, "findingIds: every key must be a string").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    size_t len = 0;
    key.resize(key.capacity());
    napi_get_value_string_utf8(env, k, &key[0], key.size(), &len);
    if (len + 4 >= key.size()) {
      // Possibly cut (a character that did not fit is left out whole): measure, then write it all.
      napi_get_value_string_utf8(env, k, nullptr, 0, &len);
      key.resize(len + 1);
      napi_get_value_string_utf8(env, k, &key[0], len + 1, &len);
    }
    key.resize(len);
    FindingId(key, &out[size_t(i) * kIdChars]);
  }
  return Napi::String::New(env, out);
}

}  // namespace pcapwalk
