import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultContextWindowFor, type ContextWindowFor } from './default-context-window-for.js';
import { defaultTokenizerFor, type TokenizerFor } from './default-tokenizer-for.js';
import { anthropicProtocol } from './protocols/anthropic-protocol.js';
import { googleProtocol } from './protocols/google-protocol.js';
import { createOpenAIProtocol } from './protocols/openai-protocol.js';
import type { SimProtocol } from './protocols/sim-protocol.js';
import { applySimConfigPatch, defaultSimConfig, parseSimConfigPatch, type SimConfig, type SimConfigPatch } from './sim-config.js';
import { SimBatches } from './sim-batches.js';
import { SimEngine, type SimOutcome } from './sim-engine.js';
import type { SimStats } from './sim-stats.js';

export interface SimulatorOptions {
  /** Port to listen on; 0 picks a free one. Default 8787. */
  port?: number;
  /** Address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Initial configuration (the same shape as the config file and `POST /_sim/config`). Default: no limits, no errors. */
  config?: SimConfigPatch;
  /** Tokenizer per provider model id, for usage counts. Default {@link defaultTokenizerFor} (by model family). */
  tokenizerFor?: TokenizerFor;
  /** Context window per provider model id, unless a knob sets one. Default {@link defaultContextWindowFor}. */
  contextWindowFor?: ContextWindowFor;
  /** Clock of the rate-limit windows (tests fix it to get exact retry-after values). Default Date.now. */
  now?: () => number;
}

export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:8787`: what FRUGAL_SIM_URL should say. */
  url: string;
  port: number;
  /**
   * Applies a configuration patch (top-level fields replace, model knobs merge); with `replace`,
   * starts from the defaults instead. Throws an Error naming a bad field.
   */
  configure(patch: SimConfigPatch, options?: { replace?: boolean }): SimConfig;
  stats(): SimStats;
  /** Zeroes counters, rate windows, random streams and the prompt cache. */
  reset(): void;
  /** Stops listening and drops open connections, hanging requests included. */
  close(): Promise<void>;
}

/** Requests larger than this are refused (413), as the vendors refuse huge bodies. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const PROTOCOLS = {
  '/v1/chat/completions': createOpenAIProtocol('openai'),
  '/openai/v1/chat/completions': createOpenAIProtocol('groq'),
  '/v1/messages': anthropicProtocol,
} satisfies Record<string, SimProtocol>;

const GEMINI_PATH = /^\/v1(?:beta|alpha)?\/models\/([^/]+?):generateContent$/;

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage, res: ServerResponse, then: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY_BYTES) {
      sendJson(res, 413, { error: { message: `request body over ${MAX_BODY_BYTES} bytes`, type: 'request_too_large' } });
      return;
    }
    then(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
  });
}

/**
 * Starts the provider simulator: an HTTP server answering OpenAI `POST /v1/chat/completions`,
 * Groq `POST /openai/v1/chat/completions`, Anthropic `POST /v1/messages` and Gemini
 * `POST /v1beta/models/{model}:generateContent` as the real APIs do, the OpenAI and Groq files
 * and batches endpoints (see SimBatches), plus `GET /_sim/stats`,
 * `GET|POST /_sim/config` and `POST /_sim/reset`.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const config = options.config ? applySimConfigPatch(defaultSimConfig(), parseSimConfigPatch(options.config)) : defaultSimConfig();
  const engine = new SimEngine({
    config,
    tokenizerFor: options.tokenizerFor ?? defaultTokenizerFor,
    contextWindowFor: options.contextWindowFor ?? defaultContextWindowFor,
    ...(options.now ? { now: options.now } : {}),
  });
  const batches = new SimBatches(engine, { openai: PROTOCOLS['/v1/chat/completions'], groq: PROTOCOLS['/openai/v1/chat/completions'] }, options.now);
  const hanging = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();

  const deliver = (res: ServerResponse, outcome: SimOutcome): void => {
    if (outcome.type === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    const { answer, delayMs } = outcome;
    const send = (): void => {
      if (res.destroyed) return;
      res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
      res.end(answer.body);
    };
    if (delayMs <= 0) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, delayMs);
    timers.add(timer);
  };

  const serve = (protocol: SimProtocol, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, urlModel?: string): void => {
    readBody(req, res, (body) => {
      let outcome: SimOutcome;
      try {
        outcome = engine.handle(protocol, req.headers, query, body, urlModel);
      } catch (error) {
        sendJson(res, 500, { error: { message: `simulator failure: ${error instanceof Error ? error.message : String(error)}` } });
        return;
      }
      deliver(res, outcome);
    });
  };

  const server = createServer((req, res) => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q === -1 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
    const batchPath = /^(\/openai)?\/v1(\/(?:files|batches)(?:\/.*)?)$/.exec(path);
    if (batchPath) {
      const method = req.method ?? 'GET';
      return readBody(req, res, (body) => {
        const answer = batches.handle(batchPath[1] ? 'groq' : 'openai', method, batchPath[2]!, req.headers, body);
        if (!answer) return sendJson(res, 404, { error: { message: `no route for ${method} ${path}`, type: 'not_found' } });
        res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
        res.end(answer.body);
      });
    }
    if (req.method === 'POST') {
      const protocol = (PROTOCOLS as Record<string, SimProtocol>)[path];
      if (protocol) return serve(protocol, req, res, query);
      const gemini = GEMINI_PATH.exec(path);
      if (gemini) return serve(googleProtocol, req, res, query, decodeURIComponent(gemini[1]!));
      if (path === '/_sim/config') {
        return readBody(req, res, (body) => {
          try {
            const replace = query.get('replace') === 'true' || query.get('replace') === '1';
            sendJson(res, 200, engine.configure(body.trim() === '' ? {} : JSON.parse(body), { replace }));
          } catch (error) {
            sendJson(res, 400, { error: { message: error instanceof Error ? error.message : String(error) } });
          }
        });
      }
      if (path === '/_sim/reset') {
        engine.reset();
        batches.reset();
        req.resume();
        return sendJson(res, 200, { reset: true });
      }
    } else if (req.method === 'GET') {
      if (path === '/_sim/stats') return sendJson(res, 200, engine.stats());
      if (path === '/_sim/config') return sendJson(res, 200, engine.config);
      if (path === '/' || path === '/_sim/health') return sendJson(res, 200, { simulator: 'frugal', ok: true });
    }
    req.resume();
    sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}`, type: 'not_found' } });
  });
  // Long hangs are the point of the timeout knob; Node's own request timeout must not end them.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 60_000;

  const port = options.port ?? 8787;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    configure: (patch, configureOptions) => engine.configure(patch, configureOptions),
    stats: () => engine.stats(),
    reset: () => {
      engine.reset();
      batches.reset();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const res of hanging) res.destroy();
        hanging.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
