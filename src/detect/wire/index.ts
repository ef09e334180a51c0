export { WireAnalyzer, type WireOptions, type WireStats } from './analyzer.js';
export { BATCH_TUNING_MAX_BYTES, BATCH_V8_FLAGS, tuneV8ForBatchAnalysis } from './batch-v8.js';
export { analyzeCaptureFile, type CaptureOptions, type CaptureReport, captureWarnings } from './capture.js';
export type { MiningProtocol } from './jsonrpc.js';
export { WIRE_RULES } from './rules.js';
