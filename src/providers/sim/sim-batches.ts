import type { IncomingHttpHeaders } from 'node:http';
import { createId } from './create-id.js';
import { createPrng, hashString } from './create-prng.js';
import { JSON_HEADERS, readBearer, type SimAnswer, type SimProtocol } from './protocols/sim-protocol.js';
import type { SimEngine } from './sim-engine.js';

/**
 * The batch APIs of OpenAI (`/v1/files`, `/v1/batches`) and Groq (the same under `/openai/v1`),
 * as documented at https://platform.openai.com/docs/guides/batch and
 * https://console.groq.com/docs/batch (checked 2026-12 with the installed SDKs' types): a JSONL
 * file of `{custom_id, method: 'POST', url: '/v1/chat/completions', body}` lines uploaded with
 * purpose `batch`, one model per file, unique custom ids; statuses validating → in_progress →
 * finalizing → completed | failed | expired | cancelling → cancelled; an output file (one line
 * per 200) and an error file (other statuses and expired lines). Every line is answered by the
 * engine that answers synchronous calls, outside the synchronous rate windows.
 */
type Flavour = 'openai' | 'groq';

interface SimFile {
  id: string;
  flavour: Flavour;
  filename: string;
  purpose: string;
  content: string;
  createdAt: number;
}

type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

interface InputLine {
  custom_id: string;
  body: Record<string, unknown>;
}

interface SimBatch {
  id: string;
  flavour: Flavour;
  endpoint: string;
  inputFileId: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
  createdAtMs: number;
  status: BatchStatus;
  lines: InputLine[];
  headers: IncomingHttpHeaders;
  errors: { object: 'list'; data: Array<{ code: string; message: string; param: string | null; line: number | null }> } | null;
  outputFileId: string | null;
  errorFileId: string | null;
  counts: { total: number; completed: number; failed: number };
  times: Partial<Record<'in_progress_at' | 'finalizing_at' | 'completed_at' | 'failed_at' | 'expired_at' | 'cancelling_at' | 'cancelled_at', number>>;
  failValidation: boolean;
}

const WINDOWS: Record<Flavour, RegExp> = { openai: /^24h$/, groq: /^(?:(\d+)h|(\d+)d)$/ };

export class SimBatches {
  private readonly files = new Map<string, SimFile>();
  private readonly batches = new Map<string, SimBatch>();

  constructor(
    private readonly engine: SimEngine,
    private readonly protocols: Record<Flavour, SimProtocol>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Answers a request under `/v1/files…` or `/v1/batches…` (`rest` is the path after `/v1`), or undefined when no route matches. */
  handle(flavour: Flavour, method: string, rest: string, headers: IncomingHttpHeaders, body: string): SimAnswer | undefined {
    const route = matchRoute(method, rest);
    if (!route) return undefined;
    const required = this.engine.config.keys[flavour];
    if (required !== undefined && readBearer(headers) !== required) return this.protocols[flavour].formatError({ kind: 'auth', presentedKey: readBearer(headers) });
    switch (route.name) {
      case 'upload':
        return this.upload(flavour, headers, body);
      case 'file':
        return this.withFile(flavour, route.id, (file) => json(200, fileObject(file)));
      case 'content':
        return this.withFile(flavour, route.id, (file) => ({ status: 200, headers: { 'content-type': 'application/octet-stream' }, body: file.content }));
      case 'create':
        return this.create(flavour, headers, body);
      case 'list':
        return this.list(flavour);
      case 'batch':
        return this.withBatch(flavour, route.id, (batch) => json(200, this.batchObject(batch)));
      case 'cancel':
        return this.withBatch(flavour, route.id, (batch) => {
          this.advance(batch);
          if (batch.status === 'validating' || batch.status === 'in_progress') {
            batch.status = 'cancelling';
            batch.times.cancelling_at = this.seconds();
          } else if (batch.status !== 'cancelling') {
            return error(409, `Cannot cancel a batch with status '${batch.status}'.`, 'invalid_request_error');
          }
          return json(200, this.batchObject(batch));
        });
    }
  }

  reset(): void {
    this.files.clear();
    this.batches.clear();
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private upload(flavour: Flavour, headers: IncomingHttpHeaders, body: string): SimAnswer {
    const form = parseMultipart(headers['content-type'], body);
    if (!form) return error(400, 'Expected a multipart/form-data body with a file and a purpose.', 'invalid_request_error');
    const purpose = form.fields.get('purpose');
    if (purpose !== 'batch') return error(400, `Invalid purpose '${purpose ?? ''}': use 'batch' for batch input files.`, 'invalid_request_error', 'purpose');
    if (!form.file) return error(400, "Missing required parameter: 'file'.", 'invalid_request_error', 'file');
    const limit = flavour === 'groq' ? 100 * 1024 * 1024 : 200 * 1024 * 1024;
    if (Buffer.byteLength(form.file.content) > limit) return error(413, `File is larger than ${limit} bytes.`, 'invalid_request_error', 'file');
    const file: SimFile = { id: `file_${createId(24)}`, flavour, filename: form.file.filename, purpose, content: form.file.content, createdAt: this.seconds() };
    this.files.set(file.id, file);
    return json(200, fileObject(file));
  }

  private create(flavour: Flavour, headers: IncomingHttpHeaders, raw: string): SimAnswer {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return error(400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
    }
    if (body.endpoint !== '/v1/chat/completions') return error(400, `Invalid 'endpoint': the simulator serves '/v1/chat/completions' batches only.`, 'invalid_request_error', 'endpoint');
    const window = typeof body.completion_window === 'string' ? body.completion_window : '';
    const windowMatch = WINDOWS[flavour].exec(window);
    const windowHours = windowMatch ? (windowMatch[1] ? Number(windowMatch[1]) : windowMatch[2] ? Number(windowMatch[2]) * 24 : 24) : 0;
    if (!windowMatch || windowHours < 24 || windowHours > 168) {
      return error(400, `Invalid 'completion_window': ${flavour === 'groq' ? 'durations from 24h to 7d are supported' : "only '24h' is supported"}.`, 'invalid_request_error', 'completion_window');
    }
    const file = typeof body.input_file_id === 'string' ? this.files.get(body.input_file_id) : undefined;
    if (!file || file.flavour !== flavour) return error(404, `No such File object: ${String(body.input_file_id)}`, 'invalid_request_error', 'input_file_id');
    const metadata = body.metadata && typeof body.metadata === 'object' ? (body.metadata as Record<string, string>) : null;
    const batch: SimBatch = {
      id: `batch_${createId(24)}`,
      flavour,
      endpoint: body.endpoint,
      inputFileId: file.id,
      completionWindow: window,
      metadata,
      createdAtMs: this.now(),
      status: 'validating',
      lines: [],
      headers: { authorization: headers.authorization ?? '' },
      errors: null,
      outputFileId: null,
      errorFileId: null,
      counts: { total: 0, completed: 0, failed: 0 },
      times: {},
      failValidation: this.engine.config.batches.failValidation,
    };
    const problem = this.validate(batch, file.content);
    if (problem) batch.errors = { object: 'list', data: [problem] };
    this.batches.set(batch.id, batch);
    return json(200, this.batchObject(batch));
  }

  /** The vendor's checks of an input file; the first problem found, or undefined. */
  private validate(batch: SimBatch, content: string): { code: string; message: string; param: string | null; line: number | null } | undefined {
    const seen = new Set<string>();
    let model: string | undefined;
    const rows = content.split('\n').filter((line) => line.trim() !== '');
    if (rows.length === 0) return { code: 'empty_file', message: 'The input file is empty.', param: null, line: null };
    if (rows.length > 50_000) return { code: 'too_many_requests', message: 'A batch may hold at most 50,000 requests.', param: null, line: null };
    for (const [i, row] of rows.entries()) {
      let line: { custom_id?: unknown; method?: unknown; url?: unknown; body?: unknown };
      try {
        line = JSON.parse(row) as typeof line;
      } catch {
        return { code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.', param: null, line: i + 1 };
      }
      if (typeof line.custom_id !== 'string' || line.custom_id === '') return { code: 'missing_required_parameter', message: "Missing required parameter: 'custom_id'.", param: 'custom_id', line: i + 1 };
      if (seen.has(line.custom_id)) return { code: 'duplicate_custom_id', message: `The custom_id for this request is a duplicate of another request: ${line.custom_id}.`, param: 'custom_id', line: i + 1 };
      seen.add(line.custom_id);
      if (line.method !== 'POST') return { code: 'invalid_method', message: "Invalid 'method': only POST is supported.", param: 'method', line: i + 1 };
      if (line.url !== batch.endpoint) return { code: 'mismatched_endpoint', message: `The url of this line (${String(line.url)}) does not match the batch's endpoint.`, param: 'url', line: i + 1 };
      const body = line.body as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object' || typeof body.model !== 'string') return { code: 'missing_required_parameter', message: "Missing required parameter: 'body.model'.", param: 'body.model', line: i + 1 };
      if (model !== undefined && body.model !== model) return { code: 'mismatched_model', message: 'All requests of a batch must use the same model.', param: 'body.model', line: i + 1 };
      model = body.model;
      batch.lines.push({ custom_id: line.custom_id, body });
    }
    batch.counts.total = batch.lines.length;
    return undefined;
  }

  private list(flavour: Flavour): SimAnswer {
    const data = [...this.batches.values()].filter((b) => b.flavour === flavour).reverse().map((b) => {
      this.advance(b);
      return this.batchObject(b);
    });
    return json(200, flavour === 'groq' ? { object: 'list', data } : { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false });
  }

  private withFile(flavour: Flavour, id: string, then: (file: SimFile) => SimAnswer): SimAnswer {
    const file = this.files.get(id);
    if (!file || file.flavour !== flavour) return error(404, `No such File object: ${id}`, 'invalid_request_error', 'id');
    return then(file);
  }

  private withBatch(flavour: Flavour, id: string, then: (batch: SimBatch) => SimAnswer): SimAnswer {
    const batch = this.batches.get(id);
    if (!batch || batch.flavour !== flavour) return error(404, `No batch found with id '${id}'.`, 'invalid_request_error', 'batch_id');
    this.advance(batch);
    return then(batch);
  }

  /** Moves a batch along its statuses by the clock; finishing runs every line through the engine. */
  private advance(batch: SimBatch): void {
    const at = this.seconds();
    if (batch.status === 'validating') {
      if (batch.errors || batch.failValidation) {
        batch.errors ??= { object: 'list', data: [{ code: 'token_limit_exceeded', message: `Enqueued token limit reached for ${String(batch.lines[0]?.body.model)} in organization org-simulator.`, param: null, line: null }] };
        batch.status = 'failed';
        batch.times.failed_at = at;
        return;
      }
      batch.status = 'in_progress';
      batch.times.in_progress_at = at;
    }
    if (batch.status === 'cancelling') {
      this.finish(batch, 'cancelled');
      return;
    }
    if (batch.status === 'in_progress' && this.now() >= batch.createdAtMs + this.engine.config.batches.processingMs) this.finish(batch, 'run');
  }

  private finish(batch: SimBatch, how: 'run' | 'cancelled'): void {
    const knobs = this.engine.config.batches;
    const random = createPrng(hashString(`${this.engine.config.seed}:${batch.id}`));
    const protocol = this.protocols[batch.flavour];
    const output: string[] = [];
    const errors: string[] = [];
    let expired = 0;
    for (const line of batch.lines) {
      const [expireDraw, errorDraw] = [random(), random()];
      const id = `batch_req_${createId(24)}`;
      if (how === 'cancelled' || expireDraw < knobs.expiredLineRate) {
        if (how === 'run') expired++;
        const code = how === 'cancelled' ? 'batch_cancelled' : 'batch_expired';
        const message = how === 'cancelled' ? 'This request was not executed because the batch was cancelled.' : 'This request could not be executed before the completion window expired.';
        errors.push(JSON.stringify({ id, custom_id: line.custom_id, response: null, error: { code, message } }));
        continue;
      }
      let status: number;
      let body: unknown;
      if (errorDraw < knobs.lineErrorRate) {
        const answer = protocol.formatError(knobs.lineErrorStatus === 400 ? { kind: 'bad-request', message: "Invalid 'messages': the simulator refused this line." } : { kind: 'server' });
        status = answer.status;
        body = JSON.parse(answer.body);
      } else {
        const outcome = this.engine.handle(protocol, batch.headers, new URLSearchParams(), JSON.stringify(line.body), undefined, { batch: true });
        const answer = outcome.type === 'answer' ? outcome.answer : protocol.formatError({ kind: 'server' });
        status = answer.status;
        body = JSON.parse(answer.body);
      }
      const entry = JSON.stringify({ id, custom_id: line.custom_id, response: { status_code: status, request_id: `req_${createId(24)}`, body }, error: null });
      if (status === 200) output.push(entry);
      else errors.push(entry);
    }
    const at = this.seconds();
    batch.counts = { total: batch.lines.length, completed: output.length, failed: errors.length };
    if (output.length > 0) batch.outputFileId = this.store(batch, `batch_${batch.id}_output.jsonl`, output);
    if (errors.length > 0) batch.errorFileId = this.store(batch, `batch_${batch.id}_error.jsonl`, errors);
    if (how === 'cancelled') {
      batch.status = 'cancelled';
      batch.times.cancelled_at = at;
    } else if (expired > 0) {
      batch.status = 'expired';
      batch.times.expired_at = at;
    } else {
      batch.status = 'completed';
      batch.times.finalizing_at = at;
      batch.times.completed_at = at;
    }
  }

  private store(batch: SimBatch, filename: string, lines: string[]): string {
    const file: SimFile = { id: `file_${createId(24)}`, flavour: batch.flavour, filename, purpose: 'batch_output', content: `${lines.join('\n')}\n`, createdAt: this.seconds() };
    this.files.set(file.id, file);
    return file.id;
  }

  private batchObject(batch: SimBatch): Record<string, unknown> {
    const created = Math.floor(batch.createdAtMs / 1000);
    const hours = /^(\d+)d$/.exec(batch.completionWindow) ? Number(batch.completionWindow.slice(0, -1)) * 24 : Number(batch.completionWindow.slice(0, -1));
    return {
      id: batch.id,
      object: 'batch',
      endpoint: batch.endpoint,
      errors: batch.errors,
      input_file_id: batch.inputFileId,
      completion_window: batch.completionWindow,
      status: batch.status,
      output_file_id: batch.outputFileId,
      error_file_id: batch.errorFileId,
      created_at: created,
      expires_at: created + hours * 3600,
      in_progress_at: batch.times.in_progress_at ?? null,
      finalizing_at: batch.times.finalizing_at ?? null,
      completed_at: batch.times.completed_at ?? null,
      failed_at: batch.times.failed_at ?? null,
      expired_at: batch.times.expired_at ?? null,
      cancelling_at: batch.times.cancelling_at ?? null,
      cancelled_at: batch.times.cancelled_at ?? null,
      request_counts: batch.counts,
      metadata: batch.metadata,
    };
  }
}

type Route = { name: 'upload' | 'create' | 'list' } | { name: 'file' | 'content' | 'batch' | 'cancel'; id: string };

function matchRoute(method: string, rest: string): Route | undefined {
  if (method === 'POST' && rest === '/files') return { name: 'upload' };
  if (method === 'POST' && rest === '/batches') return { name: 'create' };
  if (method === 'GET' && rest === '/batches') return { name: 'list' };
  let m = /^\/files\/([^/]+)$/.exec(rest);
  if (m && method === 'GET') return { name: 'file', id: decodeURIComponent(m[1]!) };
  m = /^\/files\/([^/]+)\/content$/.exec(rest);
  if (m && method === 'GET') return { name: 'content', id: decodeURIComponent(m[1]!) };
  m = /^\/batches\/([^/]+)$/.exec(rest);
  if (m && method === 'GET') return { name: 'batch', id: decodeURIComponent(m[1]!) };
  m = /^\/batches\/([^/]+)\/cancel$/.exec(rest);
  if (m && method === 'POST') return { name: 'cancel', id: decodeURIComponent(m[1]!) };
  return undefined;
}

function fileObject(file: SimFile): Record<string, unknown> {
  const base = { id: file.id, object: 'file', bytes: Buffer.byteLength(file.content), created_at: file.createdAt, filename: file.filename, purpose: file.purpose };
  return file.flavour === 'groq' ? base : { ...base, expires_at: file.createdAt + 30 * 86_400, status: 'processed', status_details: null };
}

function json(status: number, value: unknown): SimAnswer {
  return { status, headers: { ...JSON_HEADERS, 'x-request-id': `req_${createId(24)}` }, body: JSON.stringify(value) };
}

function error(status: number, message: string, type: string, param: string | null = null): SimAnswer {
  return json(status, { error: { message, type, param, code: null } });
}

/** The text fields and the file of a multipart/form-data body (text files only: batch input is JSONL). */
function parseMultipart(contentType: string | undefined, body: string): { fields: Map<string, string>; file?: { filename: string; content: string } } | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!contentType?.startsWith('multipart/form-data') || !boundary) return undefined;
  const marker = `--${boundary[1] ?? boundary[2]}`;
  const fields = new Map<string, string>();
  let file: { filename: string; content: string } | undefined;
  for (const part of body.split(marker).slice(1)) {
    if (part.startsWith('--')) break;
    const split = part.indexOf('\r\n\r\n');
    if (split === -1) continue;
    const head = part.slice(0, split);
    const content = part.slice(split + 4).replace(/\r\n$/, '');
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    const filename = /filename="([^"]*)"/i.exec(head)?.[1];
    if (name === 'file' && filename !== undefined) file = { filename, content };
    else if (name) fields.set(name, content);
  }
  return { fields, ...(file ? { file } : {}) };
}
