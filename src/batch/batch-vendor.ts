import type { ChatRequest, ChatResponse } from '../providers/types.js';

/** A vendor batch's status as the vendor reports it (OpenAI's names; Groq uses the same). */
export type VendorBatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

export interface VendorBatch {
  id: string;
  status: VendorBatchStatus;
  outputFileId: string | null;
  errorFileId: string | null;
  /** Absent when the vendor reports none. */
  counts: { total: number; completed: number; failed: number } | undefined;
  /** frugal's provider batch id, from the batch's metadata. */
  frugalBatchId: string | undefined;
  /** Validation errors of a `failed` batch, joined. */
  errors: string | undefined;
}

export interface BatchLine {
  /** The ledger call id. */
  customId: string;
  body: unknown;
}

/** One line of an output or error file. */
export interface ResultLine {
  customId: string;
  /** HTTP status of the line's request; undefined for an expired or cancelled line. */
  statusCode: number | undefined;
  /** The Chat Completions answer (status 200) or the error body. */
  body: unknown;
  /** `batch_expired`, `batch_cancelled`… for lines that never ran. */
  errorCode: string | undefined;
}

/** One vendor's batch API, over its official SDK. */
export interface BatchVendor {
  readonly provider: 'openai' | 'groq';
  /** The longest completion window a deadline `msFromEnqueue` away allows, or undefined when none fits. */
  windowFor(msFromEnqueue: number): { window: string; ms: number } | undefined;
  /** The request body of one call, the same as the synchronous adapter sends. */
  buildBody(request: ChatRequest): unknown;
  /** A 200 line's body in frugal's terms. */
  parseAnswer(body: unknown, request: ChatRequest): ChatResponse;
  /** Uploads the lines as a JSONL file; returns the file id. */
  upload(frugalBatchId: string, lines: readonly BatchLine[]): Promise<string>;
  create(frugalBatchId: string, inputFileId: string, window: string): Promise<VendorBatch>;
  retrieve(vendorBatchId: string): Promise<VendorBatch>;
  /** Recent batches, for matching a lost submission by its metadata. */
  list(): Promise<VendorBatch[]>;
  cancel(vendorBatchId: string): Promise<VendorBatch>;
  /** The lines of an output or error file. */
  download(fileId: string): Promise<ResultLine[]>;
}

/** The metadata key carrying frugal's provider batch id. */
export const FRUGAL_BATCH_KEY = 'frugal_batch_id';

/** Lines of a JSONL result file (`{custom_id, response: {status_code, body}, error}`). */
export function parseResultFile(text: string): ResultLine[] {
  const lines: ResultLine[] = [];
  for (const row of text.split('\n')) {
    if (row.trim() === '') continue;
    const value = JSON.parse(row) as { custom_id?: unknown; response?: { status_code?: unknown; body?: unknown } | null; error?: { code?: unknown } | null };
    if (typeof value.custom_id !== 'string') continue;
    lines.push({
      customId: value.custom_id,
      statusCode: typeof value.response?.status_code === 'number' ? value.response.status_code : undefined,
      body: value.response?.body,
      errorCode: typeof value.error?.code === 'string' ? value.error.code : undefined,
    });
  }
  return lines;
}

/** A vendor batch object (OpenAI and Groq shapes) in frugal's terms. */
export function toVendorBatch(batch: {
  id: string;
  status: string;
  output_file_id?: string | null;
  error_file_id?: string | null;
  request_counts?: { total: number; completed: number; failed: number } | undefined;
  metadata?: unknown;
  errors?: { data?: Array<{ message?: string | undefined }> | undefined } | null | undefined;
}): VendorBatch {
  const metadata = batch.metadata && typeof batch.metadata === 'object' ? (batch.metadata as Record<string, unknown>) : {};
  const id = metadata[FRUGAL_BATCH_KEY];
  return {
    id: batch.id,
    status: batch.status as VendorBatchStatus,
    outputFileId: batch.output_file_id ?? null,
    errorFileId: batch.error_file_id ?? null,
    counts: batch.request_counts ? { total: batch.request_counts.total, completed: batch.request_counts.completed, failed: batch.request_counts.failed } : undefined,
    frugalBatchId: typeof id === 'string' ? id : undefined,
    errors: batch.errors?.data?.map((e) => e.message ?? '').filter(Boolean).join('; ') || undefined,
  };
}
