import OpenAI, { toFile } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { EstimateUsage } from '../providers/estimate-usage.js';
import { buildOpenAIRequest } from '../providers/openai/build-openai-request.js';
import { parseOpenAIResponse } from '../providers/openai/parse-openai-response.js';
import type { ChatRequest, ChatResponse } from '../providers/types.js';
import { FRUGAL_BATCH_KEY, parseResultFile, toVendorBatch, type BatchLine, type BatchVendor, type ResultLine, type VendorBatch } from './batch-vendor.js';

const DAY_MS = 86_400_000;

/**
 * OpenAI's Batch API over the `openai` SDK (files.create with purpose `batch`, batches.create
 * with `completion_window: '24h'` and metadata, retrieve, list, cancel, files.content). See
 * https://platform.openai.com/docs/guides/batch and
 * https://developers.openai.com/api/reference/cli/resources/batches/methods/create (checked
 * 2026-12: only `24h`; ≤ 50,000 lines and 200 MB per file; only completed requests are billed).
 */
export class OpenAIBatchVendor implements BatchVendor {
  readonly provider = 'openai' as const;
  private readonly client: OpenAI;

  constructor(settings: { apiKey: string; baseURL?: string; estimateUsage: EstimateUsage }) {
    this.client = new OpenAI({ apiKey: settings.apiKey, maxRetries: 2, ...(settings.baseURL ? { baseURL: settings.baseURL } : {}) });
    this.estimateUsage = settings.estimateUsage;
  }

  private readonly estimateUsage: EstimateUsage;

  windowFor(msFromEnqueue: number): { window: string; ms: number } | undefined {
    return msFromEnqueue >= DAY_MS ? { window: '24h', ms: DAY_MS } : undefined;
  }

  buildBody(request: ChatRequest): unknown {
    return buildOpenAIRequest(request);
  }

  parseAnswer(body: unknown, request: ChatRequest): ChatResponse {
    // The same reading as a synchronous answer; a batch line has no latency of its own.
    const { usage, ...parsed } = parseOpenAIResponse(request, body as ChatCompletion);
    return { ...parsed, usage: usage ?? this.estimateUsage(request, parsed.text), usageEstimated: usage === undefined, latencyMs: 0 };
  }

  async upload(frugalBatchId: string, lines: readonly BatchLine[]): Promise<string> {
    const jsonl = lines.map((l) => JSON.stringify({ custom_id: l.customId, method: 'POST', url: '/v1/chat/completions', body: l.body })).join('\n');
    const file = await this.client.files.create({ file: await toFile(Buffer.from(jsonl, 'utf8'), `frugal-${frugalBatchId}.jsonl`), purpose: 'batch' });
    return file.id;
  }

  async create(frugalBatchId: string, inputFileId: string, window: string): Promise<VendorBatch> {
    const batch = await this.client.batches.create({
      input_file_id: inputFileId,
      endpoint: '/v1/chat/completions',
      completion_window: window as '24h',
      metadata: { [FRUGAL_BATCH_KEY]: frugalBatchId },
    });
    return toVendorBatch(batch);
  }

  async retrieve(vendorBatchId: string): Promise<VendorBatch> {
    return toVendorBatch(await this.client.batches.retrieve(vendorBatchId));
  }

  async list(): Promise<VendorBatch[]> {
    const page = await this.client.batches.list({ limit: 100 });
    return page.data.map(toVendorBatch);
  }

  async cancel(vendorBatchId: string): Promise<VendorBatch> {
    return toVendorBatch(await this.client.batches.cancel(vendorBatchId));
  }

  async download(fileId: string): Promise<ResultLine[]> {
    const response = await this.client.files.content(fileId);
    return parseResultFile(await response.text());
  }
}
