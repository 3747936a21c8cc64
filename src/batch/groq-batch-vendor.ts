import Groq, { toFile } from 'groq-sdk';
import type { ChatCompletion } from 'groq-sdk/resources/chat/completions';
import type { EstimateUsage } from '../providers/estimate-usage.js';
import { buildGroqRequest } from '../providers/groq/build-groq-request.js';
import { parseGroqResponse } from '../providers/groq/parse-groq-response.js';
import type { ChatRequest, ChatResponse } from '../providers/types.js';
import { FRUGAL_BATCH_KEY, parseResultFile, toVendorBatch, type BatchLine, type BatchVendor, type ResultLine, type VendorBatch } from './batch-vendor.js';

const HOUR_MS = 3_600_000;
const MAX_WINDOW_HOURS = 7 * 24;

/**
 * Groq's Batch API over `groq-sdk`: the OpenAI shape under `/openai/v1`, `completion_window`
 * from `24h` to `7d`, `files.info` for a file, files up to 100 MB (groq-sdk's types; see
 * https://console.groq.com/docs/batch, checked 2026-12).
 */
export class GroqBatchVendor implements BatchVendor {
  readonly provider = 'groq' as const;
  private readonly client: Groq;
  private readonly estimateUsage: EstimateUsage;

  constructor(settings: { apiKey: string; baseURL?: string; estimateUsage: EstimateUsage }) {
    this.client = new Groq({ apiKey: settings.apiKey, maxRetries: 2, ...(settings.baseURL ? { baseURL: settings.baseURL } : {}) });
    this.estimateUsage = settings.estimateUsage;
  }

  /** The longest whole-day window up to 7 days that the deadline allows (`24h` for one day). */
  windowFor(msFromEnqueue: number): { window: string; ms: number } | undefined {
    const days = Math.min(MAX_WINDOW_HOURS / 24, Math.floor(msFromEnqueue / (24 * HOUR_MS)));
    if (days < 1) return undefined;
    return { window: days === 1 ? '24h' : `${days}d`, ms: days * 24 * HOUR_MS };
  }

  buildBody(request: ChatRequest): unknown {
    return buildGroqRequest(request);
  }

  parseAnswer(body: unknown, request: ChatRequest): ChatResponse {
    // The same reading as a synchronous answer; a batch line has no latency of its own.
    const { usage, ...parsed } = parseGroqResponse(request, body as ChatCompletion);
    return { ...parsed, usage: usage ?? this.estimateUsage(request, parsed.text), usageEstimated: usage === undefined, latencyMs: 0 };
  }

  async upload(frugalBatchId: string, lines: readonly BatchLine[]): Promise<string> {
    const jsonl = lines.map((l) => JSON.stringify({ custom_id: l.customId, method: 'POST', url: '/v1/chat/completions', body: l.body })).join('\n');
    const file = await this.client.files.create({ file: await toFile(Buffer.from(jsonl, 'utf8'), `frugal-${frugalBatchId}.jsonl`), purpose: 'batch' });
    if (!file.id) throw new Error('groq answered a file upload without a file id');
    return file.id;
  }

  async create(frugalBatchId: string, inputFileId: string, window: string): Promise<VendorBatch> {
    const batch = await this.client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: window, metadata: { [FRUGAL_BATCH_KEY]: frugalBatchId } });
    return toVendorBatch(batch);
  }

  async retrieve(vendorBatchId: string): Promise<VendorBatch> {
    return toVendorBatch(await this.client.batches.retrieve(vendorBatchId));
  }

  async list(): Promise<VendorBatch[]> {
    const page = await this.client.batches.list();
    return (page.data ?? []).map(toVendorBatch);
  }

  async cancel(vendorBatchId: string): Promise<VendorBatch> {
    return toVendorBatch(await this.client.batches.cancel(vendorBatchId));
  }

  async download(fileId: string): Promise<ResultLine[]> {
    const response = await this.client.files.content(fileId);
    return parseResultFile(await response.text());
  }
}
